package dev.grace.boot.actuate;

import java.time.Duration;
import java.util.List;

import dev.grace.boot.internal.ListenerTable;
import dev.grace.boot.internal.NamedSocket;
import dev.grace.boot.internal.ParentChannel;
import dev.grace.boot.internal.Restarter;
import dev.grace.boot.internal.ServiceManager;

/**
 * Restart state machines for the actuator's tests: no socket, and a next process that
 * can never be started, so that every restart fails at once.
 */
final class Processes {

	private Processes() {
	}

	static Restarter serving(int generation, ServiceManager manager) {
		Restarter restarter = new Restarter(() -> {
			throw new IllegalStateException("posix_spawnp failed: errno 2");
		}, new ListenerTable() {

			@Override
			public List<NamedSocket> sockets() {
				return List.of();
			}

			@Override
			public void startAccepting() {
			}

			@Override
			public void stopAccepting() {
			}

		}, ParentChannel.NONE, manager, new Restarter.Settings(generation, Duration.ofSeconds(5), Duration.ZERO),
				List.of(), (event) -> {
				}, () -> {
				});
		restarter.ready();
		return restarter;
	}

}
