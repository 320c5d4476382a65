package dev.grace.demo;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.MixedLoad;
import dev.grace.demo.support.MixedLoad.Kind;
import dev.grace.demo.support.MixedLoad.Sample;
import dev.grace.demo.support.Processes;
import dev.grace.demo.support.RawHttp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three handovers in a row (signal, actuator, signal) under the mixed load: not one
 * request may fail, and every process that served must have exited with 0.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ZeroLossIT {

	@Test
	void threeHandoversUnderMixedLoadLoseNothing() throws Exception {
		try (DemoProcess demo = DemoProcess.start()) {
			long pid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			List<Sample> samples;
			try (MixedLoad load = new MixedLoad(demo.port(), demo.managementPort(), 2, 1500)) {
				for (int generation = 2; generation <= 4; generation++) {
					load.awaitEveryKindServed();
					if (generation == 3) {
						assertThat(RawHttp.once(demo.managementPort(), "POST", "/actuator/grace", null).status())
							.isEqualTo(202);
					}
					else {
						Processes.signal(pid, Processes.SIGUSR2);
					}
					long next = demo.awaitGeneration(generation, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
					assertThat(demo.awaitExit(pid, DemoProcess.HANDOVER_TIMEOUT)).as("exit code of pid " + pid).hasValue(0);
					pid = next;
				}
				load.awaitEveryKindServed();
				samples = load.stop();
			}
			Set<Long> servingPids = MixedLoad.assertNoneFailed(samples);
			assertThat(servingPids).hasSize(4);
			assertThat(demo.livePids()).containsExactly(pid);
			Map<Kind, Long> byKind = samples.stream()
				.collect(Collectors.groupingBy(Sample::kind, Collectors.counting()));
			assertThat(byKind).containsOnlyKeys(Kind.values());
			System.out.println("ZeroLossIT: " + samples.size() + " requests " + byKind + ", 0 failed, pids "
					+ servingPids);
		}
	}


}
