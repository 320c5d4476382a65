package dev.grace.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.GraceStatus;
import dev.grace.demo.support.MemoryCgroup;
import dev.grace.demo.support.MixedLoad;
import dev.grace.demo.support.MixedLoad.Sample;
import dev.grace.demo.support.Processes;
import dev.grace.demo.support.RawHttp;
import dev.grace.demo.support.RawHttp.Response;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The demo in a memory cgroup of its own, under the mixed load, through three limits: one
 * that leaves no room for a second JVM (the restart is refused, the same process serves
 * on), one with room (the restart succeeds), with not one request failed across both;
 * then one that passes the check but not a new process that allocates more than its
 * parent at startup (the kernel's OOM killer takes the new process, never the serving
 * one).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MemoryLimitIT {

	private static final long MIB = 1024 * 1024;

	@TempDir
	Path dir;

	@Test
	void aRestartWithoutRoomIsRefusedWithRoomItWorksAndASpikeKillsOnlyTheNewProcess() throws Exception {
		Path config = this.dir.resolve("application.properties");
		try (MemoryCgroup cgroup = MemoryCgroup.create("grace-memory-it");
				DemoProcess demo = DemoProcess.startWrapped(cgroup.wrapper(), Map.of(),
						"--spring.config.additional-location=optional:file:" + this.dir + "/")) {
			long pid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			assertThat(Files.readString(Path.of("/proc/" + pid + "/cgroup"))).as("the demo's cgroups")
				.contains(cgroup.dir().getFileName().toString());
			int inherited = oomScoreAdj(pid);
			List<Sample> samples;
			try (MixedLoad load = new MixedLoad(demo.port(), demo.managementPort(), 2, 1500)) {
				load.awaitEveryKindServed();
				long resident = residentSize(pid);
				long workingSet = cgroup.workingSet();
				report("under load: demo pid %d VmRSS %d MiB, %s working set %d MiB (usage %d MiB)", pid,
						resident / MIB, cgroup, workingSet / MIB, cgroup.usage() / MIB);

				// 1. Room for 80 % of a second JVM (and for this one to grow): refused at once
				cgroup.limit(workingSet + resident * 8 / 10);
				Processes.signal(pid, Processes.SIGUSR2);
				GraceStatus refused = GraceStatus.await(demo.managementPort(),
						(s) -> s.hasLastRestart() && "REFUSED".equals(s.outcome()), DemoProcess.HANDOVER_TIMEOUT);
				assertThat(refused.pid()).isEqualTo(pid);
				assertThat(refused.state()).isEqualTo("SERVING");
				assertThat(refused.trigger()).isEqualTo("SIGNAL");
				assertThat(refused.childPid()).isEqualTo(-1);
				assertThat(refused.reason()).matches("not enough memory for a new process: the memory limit of \\d+ MiB "
						+ "\\(cgroup .*" + cgroup.dir().getFileName() + "\\) leaves \\d+ MiB, a new process needs about "
						+ "\\d+ MiB \\(this process's resident size × grace.memory-headroom 1.0\\)");
				demo.awaitLog("Ignoring SIGUSR2: " + refused.reason(), Duration.ofSeconds(10));
				demo.awaitLog("Restart step REFUSED: " + refused.reason(), Duration.ofSeconds(10));
				report("limit %d MiB: %s", cgroup.limit() / MIB, refused.reason());

				Response conflict = RawHttp.once(demo.managementPort(), "POST", "/actuator/grace", null);
				assertThat(conflict.status()).isEqualTo(409);
				assertThat(conflict.jsonString("/message")).startsWith("not enough memory for a new process: ");
				assertThat(conflict.jsonString("/restart/outcome")).isEqualTo("REFUSED");
				assertThat(conflict.jsonString("/restart/trigger")).isEqualTo("ACTUATOR");
				assertThat(demo.livePids()).containsExactly(pid);
				load.awaitEveryKindServed();

				// 2. Room for more than two: the restart succeeds
				resident = residentSize(pid);
				cgroup.limit(cgroup.workingSet() + resident * 25 / 10);
				cgroup.resetPeak();
				Processes.signal(pid, Processes.SIGUSR2);
				long child = awaitRaisedChild(pid);
				long next = demo.awaitGeneration(2, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
				assertThat(next).isEqualTo(child);
				assertThat(demo.awaitExit(pid, DemoProcess.HANDOVER_TIMEOUT)).as("exit code of pid " + pid).hasValue(0);
				assertThat(oomScoreAdj(next)).as("oom_score_adj of the new process once it serves").isEqualTo(inherited);
				assertThat(demo.log()).contains("oom_score_adj back from 1000 to " + inherited
						+ ", the value of parent pid " + pid + ": this process serves now",
						"Memory for the new process: the memory limit of ");
				load.awaitEveryKindServed();
				report("limit %d MiB: restart to pid %d, peak usage of the two %d MiB, new process VmRSS %d MiB",
						cgroup.limit() / MIB, next, cgroup.peak() / MIB, residentSize(next) / MIB);
				samples = load.stop();
				pid = next;
			}
			Set<Long> servingPids = MixedLoad.assertNoneFailed(samples);
			assertThat(servingPids).hasSize(2);
			assertThat(demo.livePids()).containsExactly(pid);
			report("refused, then restarted: %d requests, 0 failed, pids %s", samples.size(), servingPids);

			// 3. Room by the check, but the new process allocates 128 MB more than this one
			// holds: the OOM killer takes the new process, which starts at 1000, never the
			// serving one. Until it does, the cgroup sits at its limit and the serving
			// process stalls: not a zero-loss case, so failures are counted, not refused.
			try (MixedLoad load = new MixedLoad(demo.port(), demo.managementPort(), 2, 1500)) {
				load.awaitEveryKindServed();
				Files.writeString(config, "demo.allocate-on-start=128MB\n");
				cgroup.limit(cgroup.workingSet() + residentSize(pid) * 12 / 10);
				long oomKills = cgroup.oomKills();
				Processes.signal(pid, Processes.SIGUSR2);
				long child = awaitRaisedChild(pid);
				GraceStatus failed = GraceStatus.await(demo.managementPort(), (s) -> "FAILED".equals(s.outcome()),
						DemoProcess.HANDOVER_TIMEOUT);
				assertThat(failed.reason())
					.isEqualTo("child pid " + child + " exited before it was ready (killed by signal 9); see its log above");
				assertThat(cgroup.oomKills()).as("OOM kills in the cgroup").isEqualTo(oomKills + 1);
				assertThat(failed.state()).isEqualTo("SERVING");
				assertThat(failed.pid()).isEqualTo(pid);
				assertThat(demo.livePids()).containsExactly(pid);
				assertThat(oomScoreAdj(pid)).as("the serving process's oom_score_adj").isEqualTo(inherited);
				assertThat(demo.log()).contains("New process pid " + child + " starts with oom_score_adj 1000 (was "
						+ inherited + "): if memory runs out during the restart, the kernel kills it, not this serving process");
				load.awaitEveryKindServed();
				samples = load.stop();
				report("limit %d MiB: new process pid %d OOM-killed (oom_kill %d), pid %d serves on; %d requests, "
						+ "%d failed while the cgroup was at its limit", cgroup.limit() / MIB, child, cgroup.oomKills(),
						pid, samples.size(), samples.stream().filter(Sample::failed).count());
			}
		}
	}

	// The new process found among the serving process's children as it starts, and its
	// oom_score_adj read until the serving process has raised it (right after the spawn):
	// the status names it only a little later, and a new process that starts fast may
	// have lowered its value again (once it serves) by the time that answer comes.
	private static long awaitRaisedChild(long parent) {
		long[] child = { -1 };
		await("the new process of pid " + parent + " with oom_score_adj 1000").atMost(DemoProcess.HANDOVER_TIMEOUT)
			.pollInterval(Duration.ofMillis(2))
			.until(() -> {
				if (child[0] < 0) {
					child[0] = ProcessHandle.of(parent)
						.map((handle) -> handle.children()
							.filter((each) -> each.info().arguments().stream().flatMap(Arrays::stream)
								.noneMatch((arg) -> arg.contains("class-data.training")))
							.mapToLong(ProcessHandle::pid)
							.findFirst()
							.orElse(-1))
						.orElse(-1L);
				}
				return child[0] > 0 && oomScoreAdjOrMissing(child[0]) == 1000;
			});
		return child[0];
	}

	private static int oomScoreAdjOrMissing(long pid) {
		try {
			return Integer.parseInt(Files.readString(Path.of("/proc/" + pid + "/oom_score_adj")).trim());
		}
		catch (IOException | NumberFormatException ex) {
			return Integer.MIN_VALUE;
		}
	}

	private static long residentSize(long pid) {
		for (String line : lines(Path.of("/proc/" + pid + "/status"))) {
			if (line.startsWith("VmRSS:")) {
				return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
			}
		}
		throw new IllegalStateException("no VmRSS for pid " + pid);
	}

	private static int oomScoreAdj(long pid) {
		return Integer.parseInt(lines(Path.of("/proc/" + pid + "/oom_score_adj")).get(0).trim());
	}

	private static List<String> lines(Path file) {
		try {
			return Files.readAllLines(file);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static void report(String format, Object... args) {
		System.out.println("MemoryLimitIT: " + String.format(format, args));
	}

}
