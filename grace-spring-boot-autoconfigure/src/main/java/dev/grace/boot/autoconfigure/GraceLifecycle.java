package dev.grace.boot.autoconfigure;

import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;

import dev.grace.boot.handover.InheritedSockets;
import dev.grace.boot.handover.ParentNotifier;
import dev.grace.boot.handover.RestartSignals;
import dev.grace.boot.handover.UpgradeRefusedException;
import dev.grace.boot.handover.Upgrader;

/**
 * Ties the handover to the application's life: once it is ready, inherited sockets no
 * connector claimed are closed, the parent (if any) is told, and the signals are
 * installed; when the context closes, a restart under way is abandoned and its child
 * stopped.
 */
class GraceLifecycle implements ApplicationListener<ApplicationReadyEvent>, DisposableBean {

	private static final Log logger = LogFactory.getLog(GraceLifecycle.class);

	private final Upgrader upgrader;

	private final InheritedSockets inherited;

	private final ParentNotifier parent;

	private final ProcessExit exit;

	private final Map<String, String> env;

	private final RestartSignals signals = new RestartSignals();

	GraceLifecycle(Upgrader upgrader, InheritedSockets inherited, ParentNotifier parent, ProcessExit exit,
			Map<String, String> env) {
		this.upgrader = upgrader;
		this.inherited = inherited;
		this.parent = parent;
		this.exit = exit;
		this.env = env;
	}

	@Override
	public void onApplicationEvent(ApplicationReadyEvent event) {
		this.inherited.closeUnclaimed();
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

	@Override
	public void destroy() {
		this.signals.uninstall();
		this.upgrader.stop();
	}

}
