package dev.grace.boot.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import org.apache.catalina.Container;
import org.apache.catalina.Context;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.util.ClassUtils;

import dev.grace.boot.internal.LongLivedConnections;
import dev.grace.boot.tomcat.GraceHttp11NioProtocol;

/**
 * The long-lived connections of every embedded Tomcat of this application (the
 * management server's included): WebSocket sessions, closed through each context's
 * WebSocket container; streams, ended through their framework when it has a clean way
 * (WebFlux), else through the grace connectors' asynchronous timeout (Spring MVC); HTTP/2
 * connections, which got their GOAWAY when the connectors stopped accepting.
 */
class TomcatLongLivedConnections implements LongLivedConnections, ApplicationListener<WebServerInitializedEvent> {

	private static final Log logger = LogFactory.getLog(TomcatLongLivedConnections.class);

	private static final boolean WEBSOCKET_PRESENT = ClassUtils.isPresent(
			"org.apache.tomcat.websocket.WsWebSocketContainer", TomcatLongLivedConnections.class.getClassLoader());

	private static final long POLL_MILLIS = 25;

	// a connection opened after the handover (an upgrade on a kept-alive connection, a
	// stream a client asked for again before its connection closed) is ended this soon
	static final long SWEEP_MILLIS = 250;

	private final Duration notice;

	private final Predicate<String> streamType;

	private final List<GraceHttp11NioProtocol> protocols = new CopyOnWriteArrayList<>();

	private final List<Context> contexts = new CopyOnWriteArrayList<>();

	private final AtomicBoolean ended = new AtomicBoolean();

	private volatile boolean ending;

	// a framework's own way to end its streams cleanly, used instead of the timeout
	private final List<Runnable> streamEnders = new CopyOnWriteArrayList<>();

	TomcatLongLivedConnections(Duration notice, List<String> streamTypes) {
		this.notice = notice;
		List<String> types = streamTypes.stream().map((type) -> type.trim().toLowerCase(Locale.ROOT)).toList();
		this.streamType = (contentType) -> {
			String type = contentType.toLowerCase(Locale.ROOT);
			return types.stream().anyMatch(type::startsWith);
		};
	}

	/**
	 * Ends streams through their framework rather than through their asynchronous
	 * timeout, which the framework takes for an error.
	 * @param ender ends every stream of the framework, now and from now on; called at
	 * each sweep
	 */
	void endStreamsWith(Runnable ender) {
		this.streamEnders.add(ender);
	}

	/**
	 * Whether a content type is a stream's (one of {@code grace.long-lived.stream-types}).
	 * @param contentType the content type, parameters included
	 * @return true for a stream
	 */
	boolean isStreamType(String contentType) {
		return this.streamType.test(contentType);
	}

	/**
	 * Whether this process is ending its streams: the handover happened and the notice
	 * is over.
	 * @return true from then on
	 */
	boolean isEnding() {
		return this.ending;
	}

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		if (event.getWebServer() instanceof TomcatWebServer tomcat) {
			for (GraceHttp11NioProtocol protocol : TomcatDrainProbe.graceProtocols(tomcat)) {
				if (!this.protocols.contains(protocol)) {
					protocol.setStreamTypes(this.streamType);
					this.protocols.add(protocol);
				}
			}
			for (Container host : tomcat.getTomcat().getEngine().findChildren()) {
				for (Container context : host.findChildren()) {
					if (context instanceof Context web && !this.contexts.contains(web)) {
						this.contexts.add(web);
					}
				}
			}
		}
	}

	@Override
	public void end() {
		if (!this.ended.compareAndSet(false, true)) {
			return;
		}
		int upgraded = upgraded();
		int streams = streams();
		if (upgraded + streams > 0) {
			logger.info("Handed over with " + upgraded + " upgraded connection(s) (WebSocket, HTTP/2) and " + streams
					+ " stream(s) open: those left after " + this.notice.toMillis()
					+ " ms (grace.long-lived.notice) are ended, their clients reconnect to the new process");
			awaitNotice();
		}
		this.ending = true;
		Thread sweeper = new Thread(() -> sweepWhileServing(upgraded + streams > 0), "grace-long-lived");
		sweeper.setDaemon(true);
		sweeper.start();
	}

	// the application may end them itself meanwhile (a last event, its own close reason)
	private void awaitNotice() {
		long deadline = System.nanoTime() + this.notice.toNanos();
		try {
			while (System.nanoTime() < deadline && upgraded() + streams() > 0) {
				Thread.sleep(POLL_MILLIS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	// until the connectors stop: then nothing is left to end
	private void sweepWhileServing(boolean report) {
		boolean first = true;
		while (this.protocols.stream().anyMatch((protocol) -> protocol.getGraceEndpoint().isRunning())) {
			try {
				int upgraded = upgraded();
				int streams = endStreams();
				boolean sessions = upgraded > 0 && closeWebSocketSessions();
				if ((first && report) || streams > 0) {
					logger.info("Ended " + streams + " stream(s)"
							+ (sessions ? " and sent 1001 Going Away to every WebSocket session" : "") + "; " + upgraded
							+ " upgraded connection(s) (WebSocket, HTTP/2) were open");
				}
			}
			catch (RuntimeException ex) {
				if (first) {
					logger.warn("Ending long-lived connections failed; the drain ends them at grace.drain-timeout", ex);
				}
			}
			first = false;
			try {
				Thread.sleep(SWEEP_MILLIS);
			}
			catch (InterruptedException ex) {
				return;
			}
		}
	}

	private int endStreams() {
		if (!this.streamEnders.isEmpty()) {
			int streams = streams();
			this.streamEnders.forEach(Runnable::run);
			return streams;
		}
		int streams = 0;
		for (GraceHttp11NioProtocol protocol : this.protocols) {
			if (protocol.getGraceEndpoint().isRunning()) {
				streams += protocol.endStreams();
			}
		}
		return streams;
	}

	private boolean closeWebSocketSessions() {
		if (!WEBSOCKET_PRESENT) {
			return false;
		}
		boolean any = false;
		for (Context context : this.contexts) {
			if (context.getState().isAvailable() && WebSocketSessions.closeAll(context)) {
				any = true;
			}
		}
		return any;
	}

	private int upgraded() {
		return this.protocols.stream().mapToInt(GraceHttp11NioProtocol::upgradedConnections).sum();
	}

	private int streams() {
		return this.protocols.stream().mapToInt(GraceHttp11NioProtocol::streams).sum();
	}

	@Override
	public String toString() {
		return "Tomcat long-lived connections";
	}

}
