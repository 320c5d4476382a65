package dev.grace.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.grace.demo.support.ContainerDemo;
import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.MixedLoad;
import dev.grace.demo.support.MixedLoad.Kind;
import dev.grace.demo.support.MixedLoad.Sample;
import dev.grace.demo.support.PidNamespace.Member;
import dev.grace.demo.support.Processes;
import dev.grace.demo.support.RawHttp;
import dev.grace.demo.support.ZombieSampler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Restarts where containers run the application: as PID 1 of its PID namespace (when PID
 * 1 exits, the kernel kills the whole namespace, so the JVM that stays PID 1 must be a
 * supervisor that outlives every generation), behind tini (which exits when its child
 * does), and where {@code /bin/sh} cannot be executed. Signals come from outside, to the
 * host pid of the namespace's PID 1, as {@code docker kill} sends them. Needs root
 * (namespaces, mounts); skipped elsewhere with the reason.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ContainerIT {

	/**
	 * A process is a zombie from its exit until its parent reaps it: briefly for a parent
	 * that reaps. Its main thread shows Z while its other threads are torn down (an
	 * exiting generation for 0 to 284 ms, in 1 to 6 samples, on a busy 2-core machine; a
	 * class-data side run, whose threads run in SCHED_IDLE, for over 2 s under load), so
	 * only the time with no other thread left counts. One that stays a zombie this long
	 * then was not reaped; a generation's own exit is also checked by {@code awaitGone},
	 * which needs it reaped.
	 */
	private static final Duration UNREAPED = Duration.ofSeconds(2);

	private static final int RESTARTS = 3;

	// longer than a handover and a stop under the IT's load, shorter than grace.drain-timeout
	private static final long DRAINING_MILLIS = 20_000;

	@Test
	void pid1() throws Exception {
		String reason = ContainerDemo.unavailableReason();
		Assumptions.assumeTrue(reason == null, reason);
		try (ContainerDemo demo = ContainerDemo.asPid1(Map.of())) {
			restartUnderLoadThenStop(demo, "pid1", "java", 2, false);
		}
	}

	@Test
	void behindTini() throws Exception {
		String reason = ContainerDemo.tiniUnavailableReason();
		Assumptions.assumeTrue(reason == null, reason);
		try (ContainerDemo demo = ContainerDemo.behindTini(Map.of("GRACE_SUPERVISOR", "on"))) {
			restartUnderLoadThenStop(demo, "behindTini", "tini", 3, true);
		}
	}

	@Test
	void noShell() {
		String reason = ContainerDemo.noShellUnavailableReason();
		Assumptions.assumeTrue(reason == null, reason);
		try (DemoProcess demo = ContainerDemo.withoutShell(Map.of())) {
			long pid = ContainerDemo.awaitGeneration(demo, 1, DemoProcess.START_TIMEOUT, null).jsonLong("pid");
			assertThat(pid).as("the JVM the script exec'd").isEqualTo(demo.firstPid());
			assertThat(demo.log()).contains(ContainerDemo.NO_SHELL_LINE);
			assertThat(ContainerDemo.shellExitCodeIn(pid)).as("exit code of /bin/sh run where the demo runs")
				.isEqualTo(126);
			Processes.signal(pid, Processes.SIGUSR2);
			long next = ContainerDemo.awaitGeneration(demo, 2, DemoProcess.HANDOVER_TIMEOUT, null).jsonLong("pid");
			assertThat(next).isNotEqualTo(pid);
			assertThat(demo.awaitExit(pid, DemoProcess.HANDOVER_TIMEOUT)).as("exit code of pid " + pid).hasValue(0);
			assertThat(ContainerDemo.shellExitCodeIn(next)).as("exit code of /bin/sh run where generation 2 runs")
				.isEqualTo(126);
			assertThat(demo.livePids()).containsExactly(next);
			System.out.println("ContainerIT noShell: pid " + pid + " -> " + next + " without /bin/sh");
		}
	}

	// One more restart while a slow request keeps the old generation draining, and SIGTERM
	// to PID 1 then, as a deploy followed by `docker stop` would do: the stop must reach the
	// generation that serves (the draining one is stopping already and ignores it), which
	// exits while its predecessor still drains; the slow request is answered in full.
	private static String stopWhileTheOldGenerationDrains(ContainerDemo demo, long pid) throws Exception {
		try (RawHttp slow = RawHttp.connect(demo.port())) {
			slow.writeRequest("GET", "/slow?ms=" + DRAINING_MILLIS, null, false);
			Awaitility.await("the slow request in flight in pid " + pid)
				.atMost(Duration.ofSeconds(10))
				.until(() -> RawHttp.get(demo.port(), "/").jsonLong("slowInFlight") >= 1);
			demo.namespace().signalInit(Processes.SIGUSR2);
			long last = demo.awaitGeneration(RESTARTS + 2, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
			demo.namespace().signalInit(Processes.SIGTERM);
			assertThat(demo.namespace().awaitGone(last, Duration.ofSeconds(30)))
				.as("generation " + (RESTARTS + 2) + " (pid " + last
						+ "), which serves, gone after SIGTERM to PID 1 while pid " + pid + " drains")
				.isNull();
			assertThat(demo.namespace().hostPidOf(pid))
				.as("generation " + (RESTARTS + 1) + " (pid " + pid + ") still draining its slow request")
				.isPresent();
			RawHttp.Response answer = slow.readResponse();
			assertThat(answer.status()).as("the slow request's status").isEqualTo(200);
			assertThat(answer.jsonLong("pid")).as("pid that answered the slow request").isEqualTo(pid);
			return "Supervisor: pid " + pid + " exited (exit code 0) and its successor, pid " + last
					+ ", stopped for good before it; exiting 0";
		}
	}

	private static long supervisorRssKib(ContainerDemo demo, List<Member> jvms, long servingPid) throws Exception {
		Member supervisor = jvms.stream().filter((m) -> m.nsPid() != servingPid).findFirst().orElseThrow();
		String status = Files.readString(Path.of("/proc", Long.toString(supervisor.hostPid()), "status"));
		Matcher rss = Pattern.compile("VmRSS:\\s+(\\d+) kB").matcher(status);
		assertThat(rss.find()).as(status).isTrue();
		return Long.parseLong(rss.group(1));
	}

	// Three SIGUSR2 to PID 1 under the mixed load: each time the next generation serves
	// with a new pid and the old one is gone (exited and reaped); PID 1 stays; no request
	// fails; no zombie is left at any moment. Then SIGTERM to PID 1 (with stopWhileDraining,
	// during one more restart, while the old generation drains): exit code 0 and an empty
	// namespace. While serving, the namespace holds PID 1, the supervisor (PID 1 itself, or
	// tini's child) and the serving generation: two JVMs.
	private static void restartUnderLoadThenStop(ContainerDemo demo, String name, String init,
			int processesWhileServing, boolean stopWhileDraining) throws Exception {
		long initPid = demo.namespace().initHostPid();
		try (ZombieSampler zombies = ZombieSampler.start(demo.namespace())) {
			long pid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			assertThat(demo.namespace().members().get(0).name()).as("PID 1 of the namespace").isEqualTo(init);
			assertThat(demo.log().contains("Supervisor"))
				.as("a line with 'Supervisor' in the log: PID 1 must outlive the generations (log:\n"
						+ ContainerDemo.tail(demo.log(), 30) + "\n)")
				.isTrue();
			List<Sample> samples;
			try (MixedLoad load = new MixedLoad(demo.port(), demo.managementPort(), 2, 1500)) {
				for (int generation = 2; generation <= RESTARTS + 1; generation++) {
					load.awaitEveryKindServed();
					demo.namespace().signalInit(Processes.SIGUSR2);
					long next = demo.awaitGeneration(generation, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
					assertThat(next).as("pid of generation " + generation).isNotEqualTo(pid);
					assertThat(demo.namespace().awaitGone(pid, DemoProcess.HANDOVER_TIMEOUT))
						.as("generation " + (generation - 1) + " (pid " + pid + " in the namespace) exited and was reaped")
						.isNull();
					assertThat(demo.namespace().initAlive()).as("PID 1 (host pid " + initPid + ") still runs").isTrue();
					pid = next;
				}
				load.awaitEveryKindServed();
				samples = load.stop();
			}
			Set<Long> servingPids = MixedLoad.assertNoneFailed(samples);
			assertThat(servingPids).hasSize(RESTARTS + 1);
			// a side run training the class-data cache may still be at work: it never serves
			List<Member> live = demo.namespace()
				.members()
				.stream()
				.filter((m) -> !m.zombie() && !DemoProcess.isClassDataTraining(m.hostPid()))
				.toList();
			assertThat(live).as("processes of the namespace while generation " + (RESTARTS + 1) + " serves")
				.hasSize(processesWhileServing);
			List<Member> jvms = demo.jvms();
			assertThat(jvms).as("JVMs of this demo (by its marker argument) in the namespace: " + live)
				.hasSize(2)
				.extracting(Member::nsPid)
				.contains(pid);
			long supervisorRssKib = supervisorRssKib(demo, jvms, pid);
			assertThat(supervisorRssKib).as("resident size of the supervisor JVM, KiB").isLessThanOrEqualTo(64 * 1024);

			String lastLine;
			if (stopWhileDraining) {
				lastLine = stopWhileTheOldGenerationDrains(demo, pid);
			}
			else {
				demo.namespace().signalInit(Processes.SIGTERM);
				lastLine = "Supervisor: pid " + pid + " exited (exit code 0) and said it stops for good; exiting 0";
			}
			assertThat(demo.awaitExit(ContainerDemo.STOP_TIMEOUT))
				.as("exit code of PID 1 after SIGTERM, through unshare\n" + ContainerDemo.tail(demo.log()))
				.hasValue(0);
			// told so, the supervisor does not wait for a successor, which left the orphans of the
			// last generation (a side run it killed) unreaped while it waited
			assertThat(demo.log()).as("the supervisor's last line").contains(lastLine);
			assertThat(demo.namespace().awaitEmpty(Duration.ofSeconds(10))).as("left in the namespace").isEmpty();
			assertThat(demo.demo().livePids()).as("processes of this demo left").isEmpty();

			zombies.close();
			assertThat(zombies.samples()).as("zombie samples taken").isGreaterThan(100);
			assertThat(zombies.lingering(UNREAPED)).as("zombies not reaped within " + UNREAPED).isEmpty();
			Map<Kind, Long> byKind = samples.stream()
				.collect(Collectors.groupingBy(Sample::kind, Collectors.counting()));
			System.out.println("ContainerIT " + name + ": " + samples.size() + " requests " + byKind
					+ ", 0 failed, pids in the namespace " + servingPids + ", JVMs " + jvms + ", supervisor RSS "
					+ supervisorRssKib / 1024 + " MiB, " + zombies.samples()
					+ " zombie samples, zombies seen briefly " + zombies.sightings());
		}
	}


}
