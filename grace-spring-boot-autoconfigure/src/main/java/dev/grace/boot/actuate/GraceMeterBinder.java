package dev.grace.boot.actuate;

import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.grace.boot.internal.Drain;
import dev.grace.boot.internal.RestartHistory;
import dev.grace.boot.internal.RestartHistory.Outcome;
import dev.grace.boot.internal.Restarter;
import dev.grace.boot.restart.RestartTrigger;

/**
 * The {@code grace.*} meters. Their names and tags are a public contract. Every meter
 * reads the restart core when it is published or scraped, so no meter code ever runs on
 * a signal thread or in the middle of a restart.
 * <ul>
 * <li>{@code grace.generation} (gauge): the generation of this process.</li>
 * <li>{@code grace.restarts} (counter; {@code outcome} = {@code succeeded},
 * {@code failed}, {@code refused}; {@code trigger} = {@code signal}, {@code actuator}):
 * restarts of this chain of processes. Each process starts from what its parent had
 * counted when it started it, so the counter grows across handovers.</li>
 * <li>{@code grace.restart.duration} (timer): from a restart's request to the new
 * process's readiness, recorded by the new process, over the chain too.</li>
 * <li>{@code grace.drain.duration} (timer): from a handover to the replaced process's last
 * connection closed, as that process reports it to the new one, over the chain too.</li>
 * <li>{@code grace.drain.connections}, {@code grace.drain.requests} (gauges): what the
 * process that drains still has open: this process while it drains, else the one it
 * replaced, as that one reports it every 250 ms; 0 when none drains.</li>
 * </ul>
 *
 * @since 0.1.0
 */
public class GraceMeterBinder implements MeterBinder {

	private final Restarter restarter;

	private final RestartHistory history;

	private final Drain drain;

	/**
	 * Creates the binder.
	 * @param restarter the restart state machine
	 * @param history the counts kept across restarts
	 * @param drain this process's drain
	 */
	public GraceMeterBinder(Restarter restarter, RestartHistory history, Drain drain) {
		this.restarter = restarter;
		this.history = history;
		this.drain = drain;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("grace.generation", this.restarter, Restarter::generation)
			.description("Generation of this process: 1 when started by hand, +1 per restart")
			.register(registry);
		for (Outcome outcome : Outcome.values()) {
			for (RestartTrigger trigger : RestartTrigger.values()) {
				FunctionCounter.builder("grace.restarts", this.history, (history) -> history.count(outcome, trigger))
					.tags("outcome", outcome.tag(), "trigger", RestartHistory.tag(trigger))
					.description("Restarts, counted across handovers: succeeded by the new process, "
							+ "failed or refused by the process that serves on")
					.register(registry);
			}
		}
		FunctionTimer
			.builder("grace.restart.duration", this.history, RestartHistory::durationCount,
					RestartHistory::durationMillis, TimeUnit.MILLISECONDS)
			.description("From a restart's request to the new process's readiness, recorded by the new process")
			.register(registry);
		FunctionTimer
			.builder("grace.drain.duration", this.history, RestartHistory::drainCount, RestartHistory::drainMillis,
					TimeUnit.MILLISECONDS)
			.description("From a handover to the replaced process's last connection closed, as the new process heard")
			.register(registry);
		Gauge.builder("grace.drain.connections", this.drain, Drain::connections)
			.description("Connections still open in the process that drains, this one or the one it replaced")
			.register(registry);
		Gauge.builder("grace.drain.requests", this.drain, Drain::requests)
			.description("Requests still being processed in the process that drains, this one or the one it replaced")
			.register(registry);
	}

}
