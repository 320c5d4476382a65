package dev.grace.demo.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A client of the demo's WebSocket echo ({@code /ws}) on the JDK's
 * {@link java.net.http.WebSocket}: the pid the server named first, every message, and
 * how the session ended (close code and reason, or an error, and when). A chatty one
 * sends a message every 300 ms until the session closes.
 */
public final class EchoSocket implements WebSocket.Listener, AutoCloseable {

	private static final HttpClient CLIENT = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(10))
		.build();

	private final List<String> messages = new CopyOnWriteArrayList<>();

	private final WebSocket socket;

	private final Thread chatter;

	private final StringBuilder partial = new StringBuilder();

	private volatile int closeCode = -1;

	private volatile String closeReason;

	private volatile long closeNanos = -1;

	private volatile Throwable error;

	private EchoSocket(int port, boolean chatty) throws Exception {
		this.socket = CLIENT.newWebSocketBuilder()
			.connectTimeout(Duration.ofSeconds(10))
			.buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), this)
			.get(20, TimeUnit.SECONDS);
		this.chatter = chatty ? new Thread(this::chat, "ws-chatter-" + port) : null;
		if (this.chatter != null) {
			this.chatter.setDaemon(true);
			this.chatter.start();
		}
	}

	/**
	 * Opens a session.
	 * @param port the port on 127.0.0.1
	 * @param chatty whether to send every 300 ms
	 * @return the open session
	 * @throws Exception if it cannot be opened in 20 s
	 */
	public static EchoSocket open(int port, boolean chatty) throws Exception {
		return new EchoSocket(port, chatty);
	}

	private void chat() {
		for (int i = 0; this.closeNanos < 0 && this.error == null && !this.socket.isOutputClosed(); i++) {
			try {
				this.socket.sendText("m" + i, true).get(5, TimeUnit.SECONDS);
				Thread.sleep(300);
			}
			catch (InterruptedException ex) {
				return;
			}
			catch (Exception ex) {
				// the session is closing: the close frame says how
				return;
			}
		}
	}

	@Override
	public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
		this.partial.append(data);
		if (last) {
			this.messages.add(this.partial.toString());
			this.partial.setLength(0);
		}
		webSocket.request(1);
		return null;
	}

	@Override
	public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
		webSocket.request(1);
		return null;
	}

	@Override
	public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
		this.closeReason = reason;
		this.closeCode = statusCode;
		this.closeNanos = System.nanoTime();
		return null; // the JDK answers with its own close frame
	}

	@Override
	public void onError(WebSocket webSocket, Throwable error) {
		this.error = error;
		this.closeNanos = System.nanoTime();
	}

	/**
	 * The pid the server named when the session opened.
	 * @return the pid, -1 before it came
	 */
	public long pid() {
		return this.messages.stream().filter((m) -> m.startsWith("pid:")).mapToLong((m) -> Long.parseLong(m.substring(4)))
			.findFirst()
			.orElse(-1);
	}

	public List<String> messages() {
		return List.copyOf(this.messages);
	}

	/** The close code the server sent, -1 before (or after an error). */
	public int closeCode() {
		return this.closeCode;
	}

	public String closeReason() {
		return this.closeReason;
	}

	/** When the session ended, by a close frame or an error; -1 before. */
	public long closeNanos() {
		return this.closeNanos;
	}

	public Throwable error() {
		return this.error;
	}

	@Override
	public void close() {
		if (this.chatter != null) {
			this.chatter.interrupt();
		}
		this.socket.abort();
	}

}
