package dev.grace.boot.autoconfigure;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;

import dev.grace.boot.internal.ListenerTable;
import dev.grace.boot.internal.ReadyTimeout;
import dev.grace.boot.internal.RestartSignals;
import dev.grace.boot.internal.Restarter;

/**
 * Turns the application's life into the restart core's: signals reach the
 * {@link Restarter} from the moment it exists; it is {@linkplain Restarter#ready()
 * ready} once the application accepts traffic (readiness turns to
 * {@code ACCEPTING_TRAFFIC} right after {@link ApplicationReadyEvent}); it stops when the
 * context closes. At {@link ApplicationReadyEvent} it tells the {@link ReadyTimeout} how
 * long this process took to be ready, and logs the timeout the next process gets.
 */
class GraceLifecycle implements DisposableBean {

	private static final Log logger = LogFactory.getLog(GraceLifecycle.class);

	private final ApplicationContext context;

	private final Restarter restarter;

	private final ListenerTable listeners;

	private volatile boolean started;

	GraceLifecycle(ApplicationContext context, Restarter restarter, ListenerTable listeners, ProcessExit exit,
			Map<String, String> env) {
		this.context = context;
		this.restarter = restarter;
		this.listeners = listeners;
		RestartSignals.get().attach(restarter, () -> exit.exit("stop signal", restarter::stop), env);
	}

	@EventListener
	void onApplicationReady(ApplicationReadyEvent event) {
		if (event.getApplicationContext() == this.context) {
			this.started = true;
			if (!this.listeners.isEmpty()) {
				ReadyTimeout timeout = this.restarter.readyTimeout();
				timeout.startedIn(startup(event));
				logger.info("A restart gives the new process " + timeout + " to be ready");
			}
		}
	}

	// From the JVM's start, as long as the next process will take from its spawn: the
	// application's own time taken leaves out the JVM's start and class loading.
	private static Duration startup(ApplicationReadyEvent event) {
		try {
			return Duration.ofMillis(ManagementFactory.getRuntimeMXBean().getUptime());
		}
		catch (Throwable ex) { // a runtime without java.management
			return (event.getTimeTaken() != null) ? event.getTimeTaken() : Duration.ZERO;
		}
	}

	@EventListener
	void onReadiness(AvailabilityChangeEvent<ReadinessState> event) {
		if (!this.started || event.getState() != ReadinessState.ACCEPTING_TRAFFIC) {
			return;
		}
		if (this.listeners.isEmpty()) {
			GraceApplicationListener.deactivate("no Tomcat connector of this application uses "
					+ "GraceHttp11NioProtocol (is the web server Tomcat?)");
			return;
		}
		this.restarter.ready();
	}

	// First thing when the context starts closing, before its graceful shutdown: a
	// restart under way must not start or hand over to a child once a stop is decided.
	@EventListener
	void onContextClosed(ContextClosedEvent event) {
		if (event.getApplicationContext() == this.context) {
			this.restarter.stop();
		}
	}

	// Also when beans are destroyed without a close event (a failed refresh). The signal
	// handlers stay until the JVM exits: a SIGUSR2 that arrives while the context closes
	// must be logged and ignored, not reach HotSpot, which aborts on it.
	@Override
	public void destroy() {
		this.restarter.stop();
	}

}
