package dev.grace.boot.tomcat;

import java.time.Duration;

import org.apache.catalina.connector.Connector;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

import dev.grace.boot.handover.AcceptGate;
import dev.grace.boot.handover.InheritedSockets;
import dev.grace.boot.handover.ServingListeners;

/**
 * Puts the main connector of a Tomcat factory on {@link GraceHttp11NioProtocol} and ties
 * it, and every additional connector created with that protocol, to the handover under a
 * stable listener name.
 */
public class GraceTomcatCustomizer implements WebServerFactoryCustomizer<TomcatServletWebServerFactory>, Ordered {

	private static final Log logger = LogFactory.getLog(GraceTomcatCustomizer.class);

	private final String name;

	private final InheritedSockets inherited;

	private final ServingListeners serving;

	private final Duration drainTimeout;

	private final AcceptGate inheritedGate;

	/**
	 * Creates a customizer.
	 * @param name the main connector's listener name ({@code server}, {@code management})
	 * @param inherited sockets this process inherited
	 * @param serving where listeners record their sockets
	 * @param drainTimeout how long a drain waits for open connections
	 * @param inheritedGate what inherited sockets wait for before accepting
	 */
	public GraceTomcatCustomizer(String name, InheritedSockets inherited, ServingListeners serving,
			Duration drainTimeout, AcceptGate inheritedGate) {
		this.name = name;
		this.inherited = inherited;
		this.serving = serving;
		this.drainTimeout = drainTimeout;
		this.inheritedGate = inheritedGate;
	}

	@Override
	public void customize(TomcatServletWebServerFactory factory) {
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
			protocol.getGraceEndpoint()
				.attach(listenerName, this.inherited, this.serving, this.drainTimeout, this.inheritedGate);
		}
		else {
			logger.warn("Connector on port " + connector.getPort() + " uses " + connector.getProtocolHandlerClassName()
					+ ": it will bind anew on restart and not be handed over. Create it with new Connector(\""
					+ GraceHttp11NioProtocol.class.getName() + "\")");
		}
	}

	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
