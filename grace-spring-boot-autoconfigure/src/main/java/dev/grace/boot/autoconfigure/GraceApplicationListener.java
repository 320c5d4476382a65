package dev.grace.boot.autoconfigure;

import java.io.File;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.ApplicationPidFileWriter;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.SmartApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.ReflectionUtils;

import dev.grace.boot.autoconfigure.GraceProperties.SupervisorMode;
import dev.grace.boot.internal.RestartSignals;
import dev.grace.boot.internal.posix.StartPriority;
import dev.grace.boot.internal.supervisor.SupervisorLauncher;

/**
 * Installs the restart signal handlers as soon as the environment is known, long before
 * any port is bound: a SIGUSR2 that reached HotSpot's own handler would end the JVM.
 * It tells, in one line, when restarts cannot work on this platform (found on a thread
 * of its own) or in this application (once its context exists); SIGUSR2 is then logged
 * and ignored. A process that must stay PID 1 of a container while the application
 * restarts turns into the supervisor here, first thing. With
 * {@code grace.enabled=false} nothing is installed.
 */
class GraceApplicationListener implements SmartApplicationListener {

	private static final Log logger = LogFactory.getLog(GraceApplicationListener.class);

	private boolean installed;

	// the platform's problem and the application's are found on two threads: one line
	private final AtomicBoolean deactivated = new AtomicBoolean();

	@Override
	public boolean supportsEventType(Class<? extends ApplicationEvent> eventType) {
		return ApplicationEnvironmentPreparedEvent.class.isAssignableFrom(eventType)
				|| ApplicationPreparedEvent.class.isAssignableFrom(eventType);
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		if (event instanceof ApplicationEnvironmentPreparedEvent prepared && isEnabled(prepared.getEnvironment())) {
			checkPidFiles(prepared.getSpringApplication(), prepared.getEnvironment());
			superviseIfWanted(prepared.getEnvironment());
			RestartSignals.get().install();
			// off the main thread: what needs the native calls first (the auto-configuration's
			// condition) waits for this load instead of starting its own
			RestartSupport.checkPlatformInBackground((problem) -> {
				if (problem != null) {
					deactivateOnce(problem);
				}
				else {
					StartPriority.lowerCompilerThreads(System.getenv());
				}
			});
			this.installed = true;
		}
		else if (event instanceof ApplicationPreparedEvent prepared && this.installed) {
			String problem = RestartSupport.applicationProblem(prepared.getApplicationContext());
			if (problem != null) {
				deactivateOnce(problem);
			}
		}
	}

	private void deactivateOnce(String problem) {
		if (this.deactivated.compareAndSet(false, true)) {
			deactivate(problem);
		}
	}

	static void deactivate(String problem) {
		logger.warn("Graceful restart is inactive: " + problem + "; " + RestartSupport.SUPPORTED
				+ ". SIGUSR2 is logged and ignored.");
		RestartSignals.get().deactivate(problem);
	}

	// Boot's ApplicationPidFileWriter deletes its file when the JVM exits: on the same path
	// as grace.pid-file, the process that was replaced would delete the file naming its
	// successor just before systemd reads it, and systemd would stop the service.
	static void checkPidFiles(SpringApplication application, ConfigurableEnvironment environment) {
		Path grace = Binder.get(environment).bind("grace.pid-file", Path.class).orElse(null);
		if (grace == null) {
			return;
		}
		for (ApplicationListener<?> listener : application.getListeners()) {
			if (listener instanceof ApplicationPidFileWriter writer) {
				Path boot = bootPidFile(writer, environment);
				if (boot != null && boot.toAbsolutePath().normalize().equals(grace.toAbsolutePath().normalize())) {
					throw new IllegalStateException("grace.pid-file and Spring Boot's ApplicationPidFileWriter both "
							+ "write " + grace + ". ApplicationPidFileWriter deletes it when a process exits, so "
							+ "after a restart the file naming the new process would be gone and systemd would stop "
							+ "the service. Remove ApplicationPidFileWriter (grace.pid-file always names the "
							+ "serving process) or give it another file.");
				}
			}
		}
	}

	private static @Nullable Path bootPidFile(ApplicationPidFileWriter writer, ConfigurableEnvironment environment) {
		String property = environment.getProperty("spring.pid.file");
		if (property != null) {
			return Path.of(property);
		}
		Field field = ReflectionUtils.findField(ApplicationPidFileWriter.class, "file");
		if (field == null) {
			return null;
		}
		ReflectionUtils.makeAccessible(field);
		return (ReflectionUtils.getField(field, writer) instanceof File file) ? file.toPath() : null;
	}

	// Before anything of the application starts: a supervisor replaces this process
	private static void superviseIfWanted(ConfigurableEnvironment environment) {
		SupervisorMode mode = supervisorMode(environment);
		Map<String, String> env = System.getenv();
		if (SupervisorLauncher.isWanted(mode == SupervisorMode.ON, mode == SupervisorMode.OFF, env)
				&& RestartSupport.hasTomcat(GraceApplicationListener.class.getClassLoader())
				&& RestartSupport.platformProblem() == null) {
			SupervisorLauncher.replaceThisProcess(env);
		}
	}

	private static SupervisorMode supervisorMode(ConfigurableEnvironment environment) {
		try {
			return Binder.get(environment).bind("grace.supervisor", SupervisorMode.class).orElse(SupervisorMode.AUTO);
		}
		catch (RuntimeException ex) {
			return SupervisorMode.AUTO; // the properties binding reports it, with a failure analysis
		}
	}

	private static boolean isEnabled(ConfigurableEnvironment environment) {
		try {
			return Binder.get(environment).bind("grace.enabled", Boolean.class).orElse(true);
		}
		catch (RuntimeException ex) {
			return true; // the properties binding reports it, with a failure analysis
		}
	}

	@Override
	public int getOrder() {
		// after the environment is loaded and logging is set up
		return LoggingApplicationListener.DEFAULT_ORDER + 1;
	}

}
