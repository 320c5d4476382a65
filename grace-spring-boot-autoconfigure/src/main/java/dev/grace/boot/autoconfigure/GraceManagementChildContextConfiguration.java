package dev.grace.boot.autoconfigure;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

import dev.grace.boot.internal.posix.ServingListeners;
import dev.grace.boot.tomcat.GraceTomcatCustomizer;

/**
 * The management server on its own port runs in a child context whose Tomcat factory
 * the main context's customizers never see: its socket is given to the next process
 * too, as listener {@code management}.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@ConditionalOnWebApplication
@ConditionalOnBean(ServingListeners.class)
class GraceManagementChildContextConfiguration {

	@Bean
	GraceTomcatCustomizer graceManagementTomcatCustomizer(ServingListeners serving, GraceProperties properties) {
		return new GraceTomcatCustomizer("management", serving, properties.drainTimeout());
	}

}
