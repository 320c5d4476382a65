package dev.grace.demo;

import org.apache.catalina.connector.Connector;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.grace.boot.tomcat.GraceHttp11NioProtocol;

/**
 * An extra connector, the way a user adds one: with {@code demo.extra-port} set, the
 * application also serves on that port, and restarts hand it over like the others.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty("demo.extra-port")
class ExtraConnectorConfiguration {

	@Bean
	WebServerFactoryCustomizer<TomcatServletWebServerFactory> extraConnector(@Value("${demo.extra-port}") int port) {
		return (factory) -> {
			Connector connector = new Connector(GraceHttp11NioProtocol.class.getName());
			connector.setPort(port);
			connector.setProperty("address", "127.0.0.1");
			factory.addAdditionalConnectors(connector);
		};
	}

}
