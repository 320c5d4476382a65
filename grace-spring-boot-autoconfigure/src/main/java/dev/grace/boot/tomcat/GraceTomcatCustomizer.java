package dev.grace.boot.tomcat;

import java.time.Duration;

import org.apache.catalina.connector.Connector;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

import dev.grace.boot.internal.posix.ServingListeners;

/**
 * Puts the main connector of a Tomcat factory (servlet or reactive) on
 * {@link GraceHttp11NioProtocol} and ties it, and every additional connector created
 * with that protocol, to restarts under a stable listener name.
 */
public class GraceTomcatCustomizer implements WebServerFactoryCustomizer<TomcatWebServerFactory>, Ordered {

	private static final Log logger = LogFactory.getLog(GraceTomcatCustomizer.class);

	private final String name;

	private final ServingListeners serving;

	private final Duration drainTimeout;

	/**
	 * Creates a customizer.
	 * @param name the main connector's listener name ({@code server}, {@code management})
	 * @param serving where listeners record their sockets and find inherited ones
	 * @param drainTimeout how long a drain waits for open connections
	 */
	public GraceTomcatCustomizer(String name, ServingListeners serving, Duration drainTimeout) {
		this.name = name;
		this.serving = serving;
		this.drainTimeout = drainTimeout;
	}

	@Override
	public void customize(TomcatWebServerFactory factory) {
		if (TomcatWebServerFactory.DEFAULT_PROTOCOL.equals(factory.getProtocol())) {
			factory.setProtocol(GraceHttp11NioProtocol.class.getName());
		}
		factory.addConnectorCustomizers((connector) -> attach(connector, this.name));
		// Context customizers run once the Tomcat is built, after every factory customizer
		// has added its connectors, and before any connector binds.
		factory.addContextCustomizers((context) -> {
			for (Connector connector : factory.getAdditionalConnectors()) {
				attach(connector, this.name + "-connector-" + connector.getPort());
			}
		});
	}

	private void attach(Connector connector, String listenerName) {
		if (connector.getProtocolHandler() instanceof GraceHttp11NioProtocol protocol) {
			protocol.getGraceEndpoint().attach(listenerName, this.serving, this.drainTimeout);
		}
		else {
			logger.warn("Connector on port " + connector.getPort() + " uses " + connector.getProtocolHandlerClassName()
					+ ": a restarted process binds it anew instead of inheriting it. Create it with new Connector(\""
					+ GraceHttp11NioProtocol.class.getName() + "\")");
		}
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
