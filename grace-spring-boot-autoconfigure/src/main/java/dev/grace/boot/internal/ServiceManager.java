package dev.grace.boot.internal;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.grace.boot.restart.RestartReport;
import dev.grace.boot.restart.RestartTrigger;

/**
 * Whoever manages this service from outside and must follow its restarts: systemd
 * (notifications, the PID file), a container's supervisor, a script reading the PID file.
 * Called by the {@link Restarter} on its transitions, never on a signal thread.
 */
public interface ServiceManager {

	/** Nobody to tell. */
	ServiceManager NONE = new ServiceManager() {
	};

	/**
	 * The application is ready for traffic: this process is about to accept connections,
	 * and before {@link #serving} nothing else happened yet.
	 */
	default void ready() {
	}

	/**
	 * This process serves. For a process started by a restart this comes before its
	 * parent is told, so that whatever names the serving process (a PID file) names this
	 * one before the parent exits.
	 * @param generation this process's generation
	 * @param listeners what it serves on
	 * @param parent the process that started it
	 * @throws RuntimeException when this process cannot be named the serving one: it must
	 * not take over then
	 */
	default void serving(int generation, List<NamedSocket> listeners, ParentChannel parent) {
	}

	/** A restart began; this process still serves. */
	default void restarting() {
	}

	/**
	 * A restart was accepted, before its hooks run and before {@link #restarting()}.
	 * @param report the restart, in progress
	 */
	default void restartRequested(RestartReport report) {
	}

	/**
	 * A request for a restart was refused, whatever the reason (one under way, a process
	 * that drains or stops, no room); nothing changed. Called on the thread that asked, a
	 * signal thread for SIGUSR2: it must not block. A refusal for want of room is also
	 * told to {@link #restartRefused(String)}, on a thread of its own.
	 * @param trigger what asked for it
	 * @param reason why it was refused
	 */
	default void requestRefused(RestartTrigger trigger, String reason) {
	}

	/**
	 * The new process was started.
	 * @param pid its pid
	 */
	default void childStarted(long pid) {
	}

	/**
	 * The new process serves; this one stops accepting, drains and exits.
	 * @param pid the new process's pid
	 * @param generation its generation
	 * @param listeners what it serves on
	 */
	default void replacedBy(long pid, int generation, List<NamedSocket> listeners) {
	}

	/**
	 * The restart failed; this process serves on.
	 * @param reason why
	 */
	default void restartFailed(String reason) {
	}

	/**
	 * A restart was refused before it began (no room for a new process); this process
	 * serves on.
	 * @param reason why
	 */
	default void restartRefused(String reason) {
	}

	/** This process stops for good (not because of a restart). */
	default void stopping() {
	}

	/**
	 * Tells all of {@code managers}, each in turn; one that fails does not keep the others
	 * from being told, except in {@link #serving}, whose failure must stop the take-over.
	 * @param managers the managers
	 * @return one manager for all
	 */
	static ServiceManager all(List<ServiceManager> managers) {
		Log logger = LogFactory.getLog(ServiceManager.class);
		List<ServiceManager> copy = List.copyOf(managers);
		return new ServiceManager() {

			@Override
			public void serving(int generation, List<NamedSocket> listeners, ParentChannel parent) {
				copy.forEach((manager) -> manager.serving(generation, listeners, parent));
			}

			@Override
			public void ready() {
				each(ServiceManager::ready);
			}

			@Override
			public void restarting() {
				each(ServiceManager::restarting);
			}

			@Override
			public void restartRequested(RestartReport report) {
				each((manager) -> manager.restartRequested(report));
			}

			@Override
			public void requestRefused(RestartTrigger trigger, String reason) {
				each((manager) -> manager.requestRefused(trigger, reason));
			}

			@Override
			public void childStarted(long pid) {
				each((manager) -> manager.childStarted(pid));
			}

			@Override
			public void replacedBy(long pid, int generation, List<NamedSocket> listeners) {
				each((manager) -> manager.replacedBy(pid, generation, listeners));
			}

			@Override
			public void restartFailed(String reason) {
				each((manager) -> manager.restartFailed(reason));
			}

			@Override
			public void restartRefused(String reason) {
				each((manager) -> manager.restartRefused(reason));
			}

			@Override
			public void stopping() {
				each(ServiceManager::stopping);
			}

			private void each(java.util.function.Consumer<ServiceManager> call) {
				for (ServiceManager manager : copy) {
					try {
						call.accept(manager);
					}
					catch (RuntimeException ex) {
						logger.warn("Could not tell " + manager + " about the restart", ex);
					}
				}
			}

		};
	}

}
