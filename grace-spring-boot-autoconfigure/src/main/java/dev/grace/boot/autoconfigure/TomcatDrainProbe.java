package dev.grace.boot.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;

import org.apache.catalina.connector.Connector;

import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;

import dev.grace.boot.internal.Drain;
import dev.grace.boot.tomcat.GraceHttp11NioProtocol;
import dev.grace.boot.tomcat.GraceNioEndpoint;

/**
 * What the grace connectors of this application have open: those of every embedded
 * Tomcat that starts, the management server's (a child context, whose events reach this
 * one) included.
 */
class TomcatDrainProbe implements Drain.Probe, ApplicationListener<WebServerInitializedEvent> {

	private final CopyOnWriteArrayList<GraceNioEndpoint> endpoints = new CopyOnWriteArrayList<>();

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		if (event.getWebServer() instanceof TomcatWebServer tomcat) {
			for (GraceHttp11NioProtocol protocol : graceProtocols(tomcat)) {
				this.endpoints.addIfAbsent(protocol.getGraceEndpoint());
			}
		}
	}

	/**
	 * The grace connectors' protocols of an embedded Tomcat.
	 * @param tomcat the web server
	 * @return the protocols, in connector order
	 */
	static List<GraceHttp11NioProtocol> graceProtocols(TomcatWebServer tomcat) {
		List<GraceHttp11NioProtocol> protocols = new ArrayList<>();
		for (Connector connector : tomcat.getTomcat().getService().findConnectors()) {
			if (connector.getProtocolHandler() instanceof GraceHttp11NioProtocol protocol) {
				protocols.add(protocol);
			}
		}
		return protocols;
	}

	@Override
	public int connections() {
		return this.endpoints.stream().mapToInt((endpoint) -> endpoint.getConnections().size()).sum();
	}

	@Override
	public int requests() {
		return this.endpoints.stream().mapToInt((endpoint) -> busyThreads(endpoint.getExecutor())).sum();
	}

	// Tomcat's own pool extends the JDK's in neither direction: both are asked
	private static int busyThreads(Executor executor) {
		if (executor instanceof org.apache.tomcat.util.threads.ThreadPoolExecutor tomcat) {
			return tomcat.getActiveCount();
		}
		if (executor instanceof ThreadPoolExecutor jdk) {
			return jdk.getActiveCount();
		}
		return 0;
	}

}
