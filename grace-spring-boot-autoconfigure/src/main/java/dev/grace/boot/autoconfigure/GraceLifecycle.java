package dev.grace.boot.autoconfigure;

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

import dev.grace.boot.handover.AcceptGate;
import dev.grace.boot.handover.InheritedSockets;
import dev.grace.boot.handover.ParentNotifier;
import dev.grace.boot.handover.RestartSignals;
import dev.grace.boot.handover.UpgradeRefusedException;
import dev.grace.boot.handover.Upgrader;

/**
 * Ties the handover to the application's life. Once it is ready and accepting traffic
 * (readiness turns to {@code ACCEPTING_TRAFFIC} right after {@link ApplicationReadyEvent}),
 * inherited sockets no connector claimed are closed, connectors start accepting on the
 * inherited ones, the parent (if any) is told, and the signals are installed. When the
 * context closes, a restart under way is abandoned and its child stopped.
 */
class GraceLifecycle implements DisposableBean {

	private static final Log logger = LogFactory.getLog(GraceLifecycle.class);

	private final Upgrader upgrader;

	private final InheritedSockets inherited;

	private final AcceptGate gate;

	private final ParentNotifier parent;

	private final ProcessExit exit;

	private final Map<String, String> env;

	private final RestartSignals signals = new RestartSignals();

	private final ApplicationContext context;

	private volatile boolean started;

	private volatile boolean ready;

	GraceLifecycle(ApplicationContext context, Upgrader upgrader, InheritedSockets inherited, AcceptGate gate,
			ParentNotifier parent, ProcessExit exit, Map<String, String> env) {
		this.context = context;
		this.upgrader = upgrader;
		this.inherited = inherited;
		this.gate = gate;
		this.parent = parent;
		this.exit = exit;
		this.env = env;
	}

	@EventListener
	void onApplicationReady(ApplicationReadyEvent event) {
		this.started = true;
	}

	@EventListener
	synchronized void onReadiness(AvailabilityChangeEvent<ReadinessState> event) {
		if (!this.started || this.ready || event.getState() != ReadinessState.ACCEPTING_TRAFFIC) {
			return;
		}
		this.ready = true;
		this.inherited.closeUnclaimed();
		this.gate.open();
		this.upgrader.markReady();
		this.signals.install(this::restartOnSignal, this::stopOnSignal, this.env);
		if (this.parent.notifyReady()) {
			logger.info("Generation " + this.upgrader.lineage().generation() + " ready; told parent pid "
					+ this.upgrader.lineage().parentPid());
		}
	}

	private void restartOnSignal() {
		try {
			this.upgrader.upgrade("SIGUSR2");
		}
		catch (UpgradeRefusedException ex) {
			logger.warn("Ignoring SIGUSR2: " + ex.getMessage());
		}
	}

	private void stopOnSignal() {
		this.exit.exit("stop signal", this.upgrader::stop);
	}

	// First thing when the context starts closing, before its graceful shutdown: a
	// restart under way must not spawn or hand over to a child once a stop is decided.
	@EventListener
	void onContextClosed(ContextClosedEvent event) {
		if (event.getApplicationContext() == this.context) {
			this.upgrader.stop();
		}
	}

	// Also when beans are destroyed without a close event (a failed refresh). The signal
	// handlers stay until the JVM exits: a SIGUSR2 that arrives while the context
	// closes must be logged and ignored, not reach HotSpot, which aborts on it.
	@Override
	public void destroy() {
		this.upgrader.stop();
	}

}
