package dev.grace.boot.autoconfigure;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.context.annotation.Bean;

import dev.grace.boot.handover.AcceptGate;
import dev.grace.boot.handover.InheritedSockets;
import dev.grace.boot.handover.ServingListeners;
import dev.grace.boot.tomcat.GraceTomcatCustomizer;

/**
 * The management server on its own port runs in a child context whose Tomcat factory
 * the main context's customizers never see: hand its socket over too, as listener
 * {@code management}.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnBean(ServingListeners.class)
class GraceManagementChildContextConfiguration {

	@Bean
	GraceTomcatCustomizer graceManagementTomcatCustomizer(InheritedSockets inherited, ServingListeners serving,
			GraceProperties properties, AcceptGate gate) {
		return new GraceTomcatCustomizer("management", inherited, serving, properties.drainTimeout(), gate);
	}

}
