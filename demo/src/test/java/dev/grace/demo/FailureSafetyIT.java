package dev.grace.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.GraceStatus;
import dev.grace.demo.support.Json;
import dev.grace.demo.support.MixedLoad;
import dev.grace.demo.support.MixedLoad.Sample;
import dev.grace.demo.support.Processes;
import dev.grace.demo.support.RawHttp;
import dev.grace.demo.support.RawHttp.Response;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Restarts that go wrong, under the mixed load: the serving process keeps serving, not
 * one request fails, and every child is reaped.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FailureSafetyIT {

	@TempDir
	Path dir;

	@Test
	void failedStartsLeaveTheParentServingAndTheNextRestartWorks() throws Exception {
		Path jar = Files.copy(DemoProcess.jar(), this.dir.resolve("app.jar"));
		Path config = this.dir.resolve("application.properties");
		Path veto = this.dir.resolve("maintenance");
		try (DemoProcess demo = DemoProcess.start(jar, DemoProcess.freePort(), DemoProcess.freePort(), Map.of(), null,
				"--spring.config.additional-location=optional:file:" + this.dir + "/", "--demo.veto-file=" + veto)) {
			long pid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			MixedLoad load = new MixedLoad(demo.port(), demo.managementPort(), 2, 1500);

			Files.writeString(veto, "");
			GraceStatus vetoed = restartAndAwaitFailure(demo, pid);
			assertThat(vetoed.reason()).startsWith("cancelled by ").endsWith(": maintenance file " + veto + " exists");
			assertThat(vetoed.childPid()).as("nothing spawned").isEqualTo(-1);
			// the status shows the failure before the step's listeners have run
			demo.awaitLog("Restart step FAILED: cancelled by ", Duration.ofSeconds(10));
			assertThat(demo.log()).contains("Restart step REQUESTED");
			Files.delete(veto);

			Files.writeString(config, "demo.fail-on-start=true\n");
			GraceStatus failed = restartAndAwaitFailure(demo, pid);
			assertThat(failed.reason()).contains("exited before it was ready (exit code 1)");
			demo.awaitLog("Restart failed, still serving: child pid " + failed.childPid() + " exited",
					Duration.ofSeconds(10));
			assertThat(demo.log()).contains("demo.fail-on-start is set: failing on purpose");

			Files.writeString(config, "grace.ready-timeout=-1s\n");
			failed = restartAndAwaitFailure(demo, pid);
			assertThat(failed.reason()).contains("exited before it was ready (exit code 1)");
			assertThat(demo.log()).contains("grace.ready-timeout must be a positive duration");

			Files.delete(config);
			Path broken = Files.writeString(this.dir.resolve("broken.jar"), "not a jar");
			Files.move(jar, this.dir.resolve("good.jar"));
			Files.move(broken, jar, StandardCopyOption.ATOMIC_MOVE);
			failed = restartAndAwaitFailure(demo, pid);
			assertThat(failed.reason()).contains("exited before it was ready (exit code 1)");

			Files.move(this.dir.resolve("good.jar"), jar, StandardCopyOption.ATOMIC_MOVE,
					StandardCopyOption.REPLACE_EXISTING);
			Processes.signal(pid, Processes.SIGUSR2);
			long next = demo.awaitGeneration(2, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
			assertThat(demo.awaitExit(pid, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);
			assertNoFailures(load.stop());
			assertThat(demo.livePids()).containsExactly(next);
			assertThat(demo.log()).contains("Restart step CHILD_STARTED child " + next,
					"Restart step CHILD_READY child " + next, "Restart step DRAINING child " + next);
		}
	}

	@Test
	void aChildThatIsNeverReadyIsKilledAtTheReadyTimeout() throws Exception {
		try (DemoProcess demo = DemoProcess.start(DemoProcess.jar(), DemoProcess.freePort(), DemoProcess.freePort(),
				Map.of(), null, "--grace.ready-timeout=3s",
				"--spring.config.additional-location=optional:file:" + this.dir + "/")) {
			long pid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			MixedLoad load = new MixedLoad(demo.port(), demo.managementPort(), 2, 1500);
			Files.writeString(this.dir.resolve("application.properties"), "demo.start-delay=120s\n");

			GraceStatus failed = restartAndAwaitFailure(demo, pid);

			// SIGTERM first, SIGKILL only if that does not end it. The exit code says how far the
			// child got: 143 before its signal handlers exist (the JVM's own), 0 after
			assertThat(failed.reason()).contains("was not ready within 3 s (grace.ready-timeout); stopped it")
				.containsAnyOf("(exit code 0)", "(exit code 143)", "(killed by signal 9)");
			assertNoFailures(load.stop());
			assertThat(demo.livePids()).containsExactly(pid);
		}
	}

	@Test
	void secondRequestsAreRefusedAndAKilledChildIsNoticedAtOnce() throws Exception {
		try (DemoProcess demo = DemoProcess.start(DemoProcess.jar(), DemoProcess.freePort(), DemoProcess.freePort(),
				Map.of(), null, "--spring.config.additional-location=optional:file:" + this.dir + "/")) {
			long pid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			MixedLoad load = new MixedLoad(demo.port(), demo.managementPort(), 2, 1500);
			Files.writeString(this.dir.resolve("application.properties"), "demo.start-delay=120s\n");

			Processes.signal(pid, Processes.SIGUSR2);
			GraceStatus restarting = GraceStatus.await(demo.managementPort(),
					(s) -> "RESTARTING".equals(s.state()) && s.childPid() > 0, DemoProcess.HANDOVER_TIMEOUT);
			long child = restarting.childPid();
			assertThat(restarting.outcome()).isEqualTo("IN_PROGRESS");
			Processes.signal(pid, Processes.SIGUSR2);
			demo.awaitLog("Ignoring SIGUSR2: a restart is in progress (child pid " + child + ")",
					DemoProcess.HANDOVER_TIMEOUT);
			Response conflict = RawHttp.once(demo.managementPort(), "POST", "/actuator/grace", null);
			assertThat(conflict.status()).isEqualTo(409);
			assertThat(conflict.jsonString("/message")).isEqualTo("a restart is in progress (child pid " + child + ")");
			assertThat(conflict.jsonString("/restart/outcome")).isEqualTo("IN_PROGRESS");
			assertThat(Json.number(conflict.json(), "/restart/childPid")).isEqualTo(child);

			java.time.Instant killed = java.time.Instant.now();
			Processes.signal(child, Processes.SIGKILL);
			GraceStatus failed = GraceStatus.await(demo.managementPort(), (s) -> "FAILED".equals(s.outcome()),
					DemoProcess.HANDOVER_TIMEOUT);
			// when the serving process logged it, not when a loaded test client saw the status. The
			// status turns FAILED just before the line is written, so the line is awaited too
			demo.awaitLog("Restart failed, still serving: child pid " + child + " exited",
					DemoProcess.HANDOVER_TIMEOUT);
			java.util.regex.Matcher line = java.util.regex.Pattern
				.compile("(?m)^(\\S+)\\s+ERROR .*Restart failed, still serving: child pid " + child + " exited")
				.matcher(demo.log());
			assertThat(line.find()).as(demo.log()).isTrue();
			long noticedMillis = java.time.Duration.between(killed, java.time.Instant.parse(line.group(1))).toMillis();

			assertThat(noticedMillis).as("noticed long before the 60 s ready timeout").isLessThan(5_000);
			assertThat(failed.reason()).contains("child pid " + child + " exited before it was ready (killed by signal 9)");
			assertThat(failed.state()).isEqualTo("SERVING");
			awaitReaped(child);
			assertThat(demo.livePids()).containsExactly(pid);
			assertNoFailures(load.stop());
		}
	}

	@Test
	void termDuringAnUpgradeStopsTheChildAndExitsZero() throws Exception {
		try (DemoProcess demo = DemoProcess.start(DemoProcess.jar(), DemoProcess.freePort(), DemoProcess.freePort(),
				Map.of(), null, "--spring.config.additional-location=optional:file:" + this.dir + "/")) {
			long pid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			Files.writeString(this.dir.resolve("application.properties"), "demo.start-delay=120s\n");
			Processes.signal(pid, Processes.SIGUSR2);
			long child = GraceStatus.await(demo.managementPort(),
					(s) -> "RESTARTING".equals(s.state()) && s.childPid() > 0, DemoProcess.HANDOVER_TIMEOUT)
				.childPid();

			Processes.signal(pid, Processes.SIGTERM);

			assertThat(demo.awaitExit(pid, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);
			assertThat(demo.log()).contains("Stopping child pid " + child);
			awaitReaped(child);
			assertThat(demo.livePids()).isEmpty();
		}
	}

	@Test
	void usr2ToADrainingProcessIsIgnored() throws Exception {
		try (DemoProcess demo = DemoProcess.start()) {
			long pid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			MixedLoad load = new MixedLoad(demo.port(), demo.managementPort(), 2, 1500);
			Processes.signal(pid, Processes.SIGUSR2);
			GraceStatus.await(demo.managementPort(), (s) -> "RESTARTING".equals(s.state()) && s.childPid() > 0,
					DemoProcess.HANDOVER_TIMEOUT);
			// accepted by the parent: the child does not accept before it is ready
			CompletableFuture<Response> slow = CompletableFuture
				.supplyAsync(() -> HandoverIT.call(() -> RawHttp.get(demo.port(), "/slow?ms=30000")));
			demo.awaitLog("Restart step DRAINING child ", DemoProcess.HANDOVER_TIMEOUT);

			Processes.signal(pid, Processes.SIGUSR2);

			demo.awaitLog("Ignoring SIGUSR2: this process is draining: the new process serves",
					DemoProcess.HANDOVER_TIMEOUT);
			Response response = slow.get(90, TimeUnit.SECONDS);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.jsonLong("pid")).isEqualTo(pid);
			assertThat(demo.awaitExit(pid, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);
			assertNoFailures(load.stop());
		}
	}

	private static GraceStatus restartAndAwaitFailure(DemoProcess demo, long pid) {
		GraceStatus before = GraceStatus.of(demo.managementPort());
		Processes.signal(pid, Processes.SIGUSR2);
		// a new failed restart: not the one the status showed before the signal
		GraceStatus failed = GraceStatus.await(demo.managementPort(),
				(s) -> s.hasLastRestart() && !Objects.equals(s.startedAt(), before.startedAt())
						&& "FAILED".equals(s.outcome()) && "SERVING".equals(s.state()),
				DemoProcess.HANDOVER_TIMEOUT);
		assertThat(failed.pid()).isEqualTo(pid);
		assertThat(failed.trigger()).isEqualTo("SIGNAL");
		if (failed.childPid() > 0) {
			awaitReaped(failed.childPid());
		}
		return failed;
	}

	// Reaped means gone from /proc; a zombie would stay there.
	private static void awaitReaped(long child) {
		await("child " + child + " reaped").atMost(Duration.ofSeconds(15))
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(20))
			.until(() -> !Files.exists(Path.of("/proc/" + child)));
	}

	private static void assertNoFailures(List<Sample> samples) {
		assertThat(samples).isNotEmpty();
		assertThat(samples.stream().filter(Sample::failed).toList()).as("failed of " + samples.size()).isEmpty();
	}

}
