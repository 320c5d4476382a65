package dev.grace.demo.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A server-sent event stream over HTTP/1.1 on a raw socket, read on a thread of its own:
 * every event with the time it came, whether the response ended well-formed (the last,
 * empty chunk) and when the server closed the connection after it. Nothing is retried.
 */
public final class SseStream implements AutoCloseable {

	private static final int TIMEOUT_MILLIS = 60_000;

	private final Socket socket = new Socket();

	private final List<Event> events = new CopyOnWriteArrayList<>();

	private final Thread reader;

	private volatile String headers = "";

	private volatile long endNanos = -1;

	private volatile long eofNanos = -1;

	private volatile Exception failure;

	private SseStream(int port, String path) throws IOException {
		this.socket.setSoTimeout(TIMEOUT_MILLIS);
		this.socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
		OutputStream out = this.socket.getOutputStream();
		out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAccept: text/event-stream\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII));
		out.flush();
		this.reader = new Thread(this::read, "sse-" + port);
		this.reader.setDaemon(true);
		this.reader.start();
	}

	/**
	 * Opens a stream.
	 * @param port the port on 127.0.0.1
	 * @param path the path
	 * @return the stream, being read
	 * @throws IOException if it cannot connect
	 */
	public static SseStream open(int port, String path) throws IOException {
		return new SseStream(port, path);
	}

	private void read() {
		try {
			InputStream in = this.socket.getInputStream();
			StringBuilder head = new StringBuilder();
			for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
				head.append(line).append('\n');
			}
			this.headers = head.toString();
			if (!head.toString().toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
				throw new IOException("not a chunked response:\n" + head);
			}
			StringBuilder text = new StringBuilder();
			while (true) {
				int size = Integer.parseInt(readLine(in).trim(), 16);
				if (size == 0) {
					readLine(in);
					this.endNanos = System.nanoTime();
					break;
				}
				byte[] chunk = in.readNBytes(size);
				if (chunk.length != size) {
					throw new EOFException("EOF inside a chunk");
				}
				readLine(in);
				text.append(new String(chunk, StandardCharsets.UTF_8));
				int blank;
				while ((blank = text.indexOf("\n\n")) >= 0) {
					String block = text.substring(0, blank);
					if (!block.isBlank()) {
						this.events.add(Event.parse(block.strip(), System.nanoTime()));
					}
					text.delete(0, blank + 2);
				}
			}
			if (in.read() < 0) {
				this.eofNanos = System.nanoTime();
			}
			else {
				throw new IOException("data after the end of the response");
			}
		}
		catch (Exception ex) {
			this.failure = ex;
		}
	}

	private static String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		for (int b = in.read(); b != '\n'; b = in.read()) {
			if (b < 0) {
				throw new EOFException("EOF before the end of the response");
			}
			line.write(b);
		}
		String text = line.toString(StandardCharsets.US_ASCII);
		return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
	}

	public List<Event> events() {
		return List.copyOf(this.events);
	}

	/**
	 * The pid the stream's first event named.
	 * @return the pid, -1 before it came
	 */
	public long pid() {
		return this.events.stream().filter((event) -> event.name().equals("pid")).mapToLong((e) -> Long.parseLong(e.data()))
			.findFirst()
			.orElse(-1);
	}

	public String headers() {
		return this.headers;
	}

	/** When the last chunk came, -1 before. */
	public long endNanos() {
		return this.endNanos;
	}

	/** When the server closed the connection after the last chunk, -1 before. */
	public long eofNanos() {
		return this.eofNanos;
	}

	public Exception failure() {
		return this.failure;
	}

	/**
	 * Waits until the reader is done (the response ended, or failed).
	 * @param timeout how long at most
	 * @return whether it is done
	 */
	public boolean awaitDone(Duration timeout) throws InterruptedException {
		this.reader.join(timeout.toMillis());
		return !this.reader.isAlive();
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

	/**
	 * One event.
	 *
	 * @param name its name ({@code event:})
	 * @param data its data
	 * @param nanos when it was read
	 */
	public record Event(String name, String data, long nanos) {

		static Event parse(String block, long nanos) {
			String name = "message";
			StringBuilder data = new StringBuilder();
			for (String line : block.split("\n")) {
				if (line.startsWith("event:")) {
					name = line.substring(6).trim();
				}
				else if (line.startsWith("data:")) {
					data.append(line.substring(5).trim());
				}
			}
			return new Event(name, data.toString(), nanos);
		}

	}

}
