package dev.grace.boot.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import org.apache.catalina.Container;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
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
 * WebSocket container; streams, ended through the grace connectors; HTTP/2 connections,
 * which got their GOAWAY when the connectors stopped accepting.
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

	// a framework's own way to end its streams cleanly, tried first
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
	 * Ends streams through their framework before the connectors do: a stream still open
	 * one sweep later is ended through its asynchronous timeout.
	 * @param ender ends every stream of the framework, now and from now on
	 */
	void endStreamsFirstWith(Runnable ender) {
		this.streamEnders.add(ender);
	}

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		if (event.getWebServer() instanceof TomcatWebServer tomcat) {
			for (Connector connector : tomcat.getTomcat().getService().findConnectors()) {
				if (connector.getProtocolHandler() instanceof GraceHttp11NioProtocol protocol
						&& !this.protocols.contains(protocol)) {
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
		Thread sweeper = new Thread(() -> sweepUntilExit(upgraded + streams > 0), "grace-long-lived");
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

	private void sweepUntilExit(boolean report) {
		boolean first = true;
		while (true) {
			try {
				int upgraded = upgraded();
				int contexts = closeWebSocketSessions();
				int streams = 0;
				if (first && !this.streamEnders.isEmpty()) {
					for (GraceHttp11NioProtocol protocol : this.protocols) {
						streams += protocol.markStreamsEnded(this.streamType);
					}
					this.streamEnders.forEach(Runnable::run);
				}
				else {
					for (GraceHttp11NioProtocol protocol : this.protocols) {
						streams += protocol.endStreams(this.streamType);
					}
				}
				if ((first && report) || streams > 0) {
					logger.info("Ended " + streams + " stream(s)" + ((contexts > 0)
							? " and sent 1001 Going Away to every WebSocket session" : "") + "; " + upgraded
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

	private int closeWebSocketSessions() {
		if (!WEBSOCKET_PRESENT) {
			return 0;
		}
		int containers = 0;
		for (Context context : this.contexts) {
			if (WebSocketSessions.closeAll(context)) {
				containers++;
			}
		}
		return containers;
	}

	private int upgraded() {
		return this.protocols.stream().mapToInt(GraceHttp11NioProtocol::upgradedConnections).sum();
	}

	private int streams() {
		return this.protocols.stream().mapToInt((protocol) -> protocol.streams(this.streamType)).sum();
	}

	@Override
	public String toString() {
		return "Tomcat long-lived connections";
	}

}
