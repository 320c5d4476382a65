package dev.grace.boot.autoconfigure;

import java.util.Map;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;

import dev.grace.boot.internal.ListenerTable;
import dev.grace.boot.internal.RestartSignals;
import dev.grace.boot.internal.Restarter;

/**
 * Turns the application's life into the restart core's: signals reach the
 * {@link Restarter} from the moment it exists; it is {@linkplain Restarter#ready()
 * ready} once the application accepts traffic (readiness turns to
 * {@code ACCEPTING_TRAFFIC} right after {@link ApplicationReadyEvent}); it stops when the
 * context closes.
 */
class GraceLifecycle implements DisposableBean {

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
