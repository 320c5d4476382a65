package dev.grace.boot.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jnr.posix.POSIX;
import org.apache.catalina.startup.Tomcat;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.info.ConditionalOnEnabledInfoContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import dev.grace.boot.actuate.GraceEndpoint;
import dev.grace.boot.actuate.GraceHealthIndicator;
import dev.grace.boot.actuate.GraceInfoContributor;
import dev.grace.boot.actuate.GraceMeterBinder;
import dev.grace.boot.internal.AcceptGate;
import dev.grace.boot.internal.Drain;
import dev.grace.boot.internal.RestartHistory;
import dev.grace.boot.internal.ReadyTimeout;
import dev.grace.boot.internal.Restarter;
import dev.grace.boot.internal.ServiceManager;
import dev.grace.boot.internal.posix.ChildCommand;
import dev.grace.boot.internal.posix.InheritedSockets;
import dev.grace.boot.internal.posix.Lineage;
import dev.grace.boot.internal.posix.MemoryHeadroom;
import dev.grace.boot.internal.posix.NativePosix;
import dev.grace.boot.internal.posix.OomScoreAdjuster;
import dev.grace.boot.internal.posix.StartPriority;
import dev.grace.boot.internal.posix.ParentPipe;
import dev.grace.boot.internal.posix.PosixSpawner;
import dev.grace.boot.internal.posix.ServingListeners;
import dev.grace.boot.internal.posix.UnixDrainChannel;
import dev.grace.boot.internal.posix.WorkingDirectory;
import dev.grace.boot.internal.service.PidFile;
import dev.grace.boot.internal.service.SystemdNotifier;
import dev.grace.boot.internal.supervisor.SupervisorNotifier;
import dev.grace.boot.restart.RestartHook;
import dev.grace.boot.tomcat.GraceTomcatCustomizer;

/**
 * Graceful restarts for an embedded-Tomcat web application, servlet or reactive: the
 * listening sockets are given to a new process on SIGUSR2 or
 * {@code POST /actuator/grace}.
 *
 * @since 0.1.0
 */
@AutoConfiguration
@ConditionalOnWebApplication
@ConditionalOnClass({ Tomcat.class, TomcatWebServerFactory.class, POSIX.class })
@ConditionalOnBooleanProperty(name = "grace.enabled", matchIfMissing = true)
@Conditional(OnRestartSupportedCondition.class)
@EnableConfigurationProperties({ GraceProperties.class, ClassDataProperties.class })
public final class GraceAutoConfiguration {

	// Read once: the JVM's copy of the environment cannot be changed, the native one is
	// cleared below so that nothing this process starts misreads it.
	private static final Map<String, String> ENV = System.getenv();

	GraceAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	Lineage graceLineage() {
		long parent = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);
		return Lineage.fromEnvironment(ENV, parent);
	}

	@Bean
	@ConditionalOnMissingBean
	ServingListeners graceServingListeners(Lineage lineage) {
		InheritedSockets sockets = InheritedSockets.fromEnvironment(ENV, ProcessHandle.current().pid(), lineage);
		POSIX posix = NativePosix.get();
		ChildCommand.INHERITED_VARIABLES.forEach(posix::unsetenv);
		return new ServingListeners(sockets, AcceptGate.closed());
	}

	@Bean
	GraceTomcatCustomizer graceTomcatCustomizer(ServingListeners serving, GraceProperties properties) {
		return new GraceTomcatCustomizer("server", serving, properties.drainTimeout());
	}

	@Bean
	ProcessExit graceProcessExit(ConfigurableApplicationContext context) {
		return new ProcessExit(context);
	}

	@Bean
	RestartHistory graceRestartHistory(Lineage lineage) {
		return RestartHistory.fromEnvironment(ENV, lineage.hasParent());
	}

	@Bean
	TomcatDrainProbe graceDrainProbe() {
		return new TomcatDrainProbe();
	}

	@Bean
	TomcatLongLivedConnections graceLongLivedConnections(GraceProperties properties) {
		return new TomcatLongLivedConnections(properties.longLived().notice(), properties.longLived().streamTypes());
	}

	@Bean
	Drain graceDrain(TomcatDrainProbe probe, Lineage lineage, RestartHistory history) {
		Drain drain = new Drain(probe, lineage.generation(), history, new UnixDrainChannel());
		if (lineage.hasParent()) {
			drain.listenTo(lineage.parentPid());
		}
		return drain;
	}

	@Bean
	DrainLifecycle graceDrainLifecycle(Drain drain) {
		return new DrainLifecycle(drain);
	}

	@Bean
	StartPriority graceStartPriority(GraceProperties properties) {
		return new StartPriority(properties.startPriorityBoost(), ENV);
	}

	@Bean
	@ConditionalOnMissingBean
	ServiceManager graceServiceManager(GraceProperties properties, Lineage lineage,
			ObjectProvider<ApplicationAvailability> availability, RestartHistory history, Drain drain,
			StartPriority startPriority) {
		long pid = ProcessHandle.current().pid();
		List<ServiceManager> managers = new ArrayList<>();
		managers.add(new OomScoreAdjuster()); // first: it raises a new process's right after the spawn
		managers.add(startPriority.asServiceManager()); // before accepting: back to the serving priority
		if (properties.pidFile() != null) {
			managers.add(new PidFile(properties.pidFile(), "grace.pid-file", pid));
		}
		SystemdNotifier systemd = SystemdNotifier.fromEnvironment(ENV, pid, lineage.generation() > 1, () -> {
			ApplicationAvailability live = availability.getIfAvailable();
			return live == null || live.getLivenessState() == LivenessState.CORRECT;
		});
		if (systemd != null) {
			managers.add(systemd);
		}
		SupervisorNotifier supervisor = SupervisorNotifier.fromEnvironment(ENV);
		if (supervisor != null) {
			managers.add(supervisor);
		}
		// last: a process that could not be named the serving one above does not count
		managers.add(history.asServiceManager());
		managers.add(drain.asServiceManager());
		return ServiceManager.all(managers);
	}

	@Bean
	EmbeddedDatabaseCheck graceEmbeddedDatabaseCheck(ConfigurableListableBeanFactory beans, Environment environment) {
		return new EmbeddedDatabaseCheck(beans, environment);
	}

	@Bean
	GraceClassData graceClassData(ConfigurableApplicationContext context, ClassDataProperties properties) {
		return new GraceClassData(context, properties);
	}

	@Bean
	@ConditionalOnMissingBean
	Restarter graceRestarter(ServingListeners serving, Lineage lineage, GraceProperties properties,
			ServiceManager manager, ObjectProvider<RestartHook> hooks, ApplicationEventPublisher publisher,
			ProcessExit exit, RestartHistory history, EmbeddedDatabaseCheck databases, GraceClassData classData,
			TomcatLongLivedConnections longLived, StartPriority startPriority) {
		WorkingDirectory directory = WorkingDirectory.atStartup(properties.workingDirectory(), ENV);
		ReadyTimeout readyTimeout = (properties.readyTimeout() != null)
				? ReadyTimeout.configured(properties.readyTimeout()) : ReadyTimeout.derived();
		return new Restarter(new PosixSpawner(classData.commands(() -> ChildCommand.ofCurrentProcess(ENV, directory)),
				lineage, new MemoryHeadroom(properties.memoryHeadroom()), history::handDown)
			.withStartPriority(startPriority)
			.withLaunch(classData.launch()), serving,
				new ParentPipe(lineage), manager,
				new Restarter.Settings(lineage.generation(), readyTimeout, Restarter.Settings.CHILD_STOP_GRACE,
						databases::exitHint),
				hooks.orderedStream().toList(), publisher::publishEvent,
				() -> exit.exit("the new process serves", () -> {
				}), longLived);
	}

	@Bean
	GraceLifecycle graceLifecycle(ConfigurableApplicationContext context, Restarter restarter, ProcessExit exit,
			ServingListeners serving) {
		return new GraceLifecycle(context, restarter, serving, exit, ENV);
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
	@ConditionalOnClass(name = "org.springframework.web.servlet.config.annotation.WebMvcConfigurer")
	static class WebMvcConfiguration {

		@Bean
		org.springframework.web.servlet.config.annotation.WebMvcConfigurer graceEndedStreams(
				TomcatLongLivedConnections longLived, StartPriority startPriority) {
			return new EndedStreamsConfigurer(longLived::isEnding);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
	@ConditionalOnClass(name = "org.springframework.web.server.WebFilter")
	static class WebFluxConfiguration {

		@Bean
		EndedFluxStreams graceEndedFluxStreams(TomcatLongLivedConnections longLived) {
			EndedFluxStreams streams = new EndedFluxStreams(longLived::isStreamType);
			longLived.endStreamsWith(streams::end);
			return streams;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnAvailableEndpoint
		GraceEndpoint graceEndpoint(Restarter restarter) {
			return new GraceEndpoint(restarter);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		GraceMeterBinder graceMeterBinder(Restarter restarter, RestartHistory history, Drain drain) {
			return new GraceMeterBinder(restarter, history, drain);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnEnabledHealthIndicator("grace")
		GraceHealthIndicator graceHealthIndicator(Restarter restarter, RestartHistory history) {
			return new GraceHealthIndicator(restarter, history);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.info.InfoContributor")
	static class InfoConfiguration {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnEnabledInfoContributor("grace")
		GraceInfoContributor graceInfoContributor(Restarter restarter) {
			return new GraceInfoContributor(restarter);
		}

	}

}
