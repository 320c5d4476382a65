package dev.grace.boot.autoconfigure;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.event.SmartApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;

import dev.grace.boot.internal.RestartSignals;

/**
 * Installs the restart signal handlers as soon as the environment is known, long before
 * any port is bound: a SIGUSR2 that reached HotSpot's own handler would end the JVM.
 * Once the application context exists it tells, in one line, when restarts cannot work
 * in this application; SIGUSR2 is then logged and ignored. With {@code grace.enabled=false}
 * nothing is installed.
 */
class GraceApplicationListener implements SmartApplicationListener {

	private static final Log logger = LogFactory.getLog(GraceApplicationListener.class);

	private boolean installed;

	@Override
	public boolean supportsEventType(Class<? extends ApplicationEvent> eventType) {
		return ApplicationEnvironmentPreparedEvent.class.isAssignableFrom(eventType)
				|| ApplicationPreparedEvent.class.isAssignableFrom(eventType);
	}

	@Override
	public void onApplicationEvent(ApplicationEvent event) {
		if (event instanceof ApplicationEnvironmentPreparedEvent prepared && isEnabled(prepared.getEnvironment())) {
			RestartSignals.get().install();
			this.installed = true;
		}
		else if (event instanceof ApplicationPreparedEvent prepared && this.installed) {
			String problem = RestartSupport.problem(prepared.getApplicationContext());
			if (problem != null) {
				deactivate(problem);
			}
		}
	}

	static void deactivate(String problem) {
		logger.warn("Graceful restart is inactive: " + problem + "; " + RestartSupport.SUPPORTED
				+ ". SIGUSR2 is logged and ignored.");
		RestartSignals.get().deactivate(problem);
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
