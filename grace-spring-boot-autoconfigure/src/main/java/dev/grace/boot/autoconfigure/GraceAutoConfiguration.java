package dev.grace.boot.autoconfigure;

import java.util.Map;

import jnr.posix.POSIX;
import org.apache.catalina.startup.Tomcat;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

import dev.grace.boot.actuate.GraceEndpoint;
import dev.grace.boot.handover.AcceptGate;
import dev.grace.boot.handover.ChildCommand;
import dev.grace.boot.handover.ChildSpawner;
import dev.grace.boot.handover.InheritedSockets;
import dev.grace.boot.handover.Lineage;
import dev.grace.boot.handover.NativePosix;
import dev.grace.boot.handover.ParentNotifier;
import dev.grace.boot.handover.PreStartProcess;
import dev.grace.boot.handover.ServingListeners;
import dev.grace.boot.handover.Upgrader;
import dev.grace.boot.tomcat.GraceTomcatCustomizer;

/**
 * Graceful restarts for an embedded-Tomcat servlet application: the listening sockets
 * are handed to a restarted process on SIGUSR2 or {@code POST /actuator/grace}.
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnClass({ Tomcat.class, TomcatServletWebServerFactory.class, POSIX.class })
@ConditionalOnBooleanProperty(name = "grace.enabled", matchIfMissing = true)
@EnableConfigurationProperties(GraceProperties.class)
public class GraceAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@Conditional(OnHandoverSupportedCondition.class)
	static class HandoverConfiguration {

		// Read once: the JVM's copy of the environment cannot be changed, the native one
		// is cleared below so that nothing this process starts misreads it.
		private static final Map<String, String> ENV = System.getenv();

		@Bean
		@ConditionalOnMissingBean
		Lineage graceLineage() {
			long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
			return Lineage.fromEnvironment(ENV, parent);
		}

		@Bean
		@ConditionalOnMissingBean
		InheritedSockets graceInheritedSockets() {
			InheritedSockets sockets = InheritedSockets.fromEnvironment(ENV, ProcessHandle.current().pid());
			POSIX posix = NativePosix.get();
			ChildCommand.HANDOVER_VARIABLES.forEach(posix::unsetenv);
			return sockets;
		}

		@Bean
		@ConditionalOnMissingBean
		ServingListeners graceServingListeners() {
			return new ServingListeners();
		}

		@Bean
		AcceptGate graceAcceptGate() {
			return AcceptGate.closed();
		}

		@Bean
		GraceTomcatCustomizer graceTomcatCustomizer(InheritedSockets inherited, ServingListeners serving,
				GraceProperties properties, AcceptGate gate) {
			return new GraceTomcatCustomizer("server", inherited, serving, properties.drainTimeout(), gate);
		}

		@Bean
		ProcessExit graceProcessExit(ConfigurableApplicationContext context) {
			return new ProcessExit(context);
		}

		@Bean
		@ConditionalOnMissingBean
		Upgrader graceUpgrader(ServingListeners serving, Lineage lineage, GraceProperties properties,
				ObjectProvider<PreStartProcess> hooks, ApplicationEventPublisher publisher, ProcessExit exit) {
			return new Upgrader(serving, new ChildSpawner(), () -> ChildCommand.ofCurrentProcess(ENV), lineage,
					properties.readyTimeout(), hooks.orderedStream().toList(), publisher::publishEvent,
					() -> exit.exit("handed over to the new process", () -> {
					}));
		}

		@Bean
		GraceLifecycle graceLifecycle(ConfigurableApplicationContext context, Upgrader upgrader,
				InheritedSockets inherited, Lineage lineage, ProcessExit exit, AcceptGate gate) {
			return new GraceLifecycle(context, upgrader, inherited, gate, new ParentNotifier(lineage), exit, ENV);
		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
		static class EndpointConfiguration {

			@Bean
			@ConditionalOnMissingBean
			@ConditionalOnAvailableEndpoint
			GraceEndpoint graceEndpoint(Upgrader upgrader) {
				return new GraceEndpoint(upgrader);
			}

		}

	}

	@Configuration(proxyBeanMethods = false)
	@Conditional(OnHandoverUnsupportedCondition.class)
	static class UnsupportedConfiguration {

		@Bean
		SmartInitializingSingleton graceUnsupportedNotice() {
			return () -> LogFactory.getLog(GraceAutoConfiguration.class)
				.warn("Graceful restart is off: " + NativePosix.unsupportedReason());
		}

	}

}
