package dev.grace.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.MixedLoad;
import dev.grace.demo.support.MixedLoad.Sample;
import dev.grace.demo.support.RawHttp;
import dev.grace.demo.support.RawHttp.Response;
import dev.grace.demo.support.SystemdSandbox;
import dev.grace.demo.support.SystemdSandbox.Result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The demo as a service of a real systemd (the host's, PID 1 of fresh namespaces), with
 * the unit the README gives: {@code systemctl start} returns once it serves,
 * {@code systemctl reload} hands over under load without losing a request while systemd
 * follows the new main process, and {@code systemctl stop} drains it and kills nothing.
 * A {@code Type=simple} canary first shows the sandbox itself works. Both share one
 * sandbox; they skip where it cannot boot (not root, no cgroup2, no systemd).
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SystemdIT {

	private static final String SERVICE = "grace-demo.service";

	private static final String CANARY = "grace-canary.service";

	private static SystemdSandbox sandbox;

	@BeforeAll
	static void boot() throws IOException {
		String reason = SystemdSandbox.unavailableReason();
		assumeTrue(reason == null, reason);
		sandbox = SystemdSandbox.boot(javaHome(), DemoProcess.jar());
		System.out.println("SystemdIT: sandbox booted in " + sandbox.bootMillis() + " ms");
	}

	@AfterAll
	static void powerOff() {
		if (sandbox != null) {
			long start = System.nanoTime();
			sandbox.close();
			System.out.println("SystemdIT: sandbox powered off in "
					+ TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
		}
	}

	@Test
	@Order(1)
	void canaryTheSandboxRunsAndStopsASimpleService() throws Exception {
		int port = DemoProcess.freePort();
		Path log = sandbox.shared().resolve("grace-canary.log");
		sandbox.install(CANARY, """
				[Unit]
				Description=grace demo canary
				DefaultDependencies=no
				[Service]
				Type=simple
				ExecStart=%s
				KillMode=mixed
				TimeoutStopSec=60
				Environment=_JAVA_SR_SIGNUM=39
				StandardOutput=append:%s
				StandardError=inherit
				""".formatted(execStart(port, DemoProcess.freePort(), null), log));
		try {
			assertSucceeded(sandbox.systemctl("start", CANARY), CANARY, log);
			long pid = awaitOrReport("the canary serving GET /", CANARY, log, () -> RawHttp.get(port, "/"),
					(r) -> r.status() == 200)
				.jsonLong("pid");
			Map<String, String> running = sandbox.show(CANARY, "MainPID", "ActiveState", "SubState");
			assertThat(running).as(() -> sandbox.report(CANARY, log))
				.containsEntry("MainPID", Long.toString(pid))
				.containsEntry("ActiveState", "active")
				.containsEntry("SubState", "running");
			long hostPid = sandbox.hostPid(pid).orElseThrow();
			assertThat(Files.readString(Path.of("/proc", Long.toString(hostPid), "cmdline")))
				.contains("--server.port=" + port);
			Path cgroup = sandbox.hostCgroup(CANARY);
			// besides the serving process, at most a side run training the class-data cache
			assertThat(SystemdSandbox.processesIn(cgroup).stream().filter((p) -> !DemoProcess.isClassDataTraining(p)))
				.as("processes of " + CANARY)
				.containsExactly(hostPid);
			String started = startTime(hostPid).orElseThrow();

			assertSucceeded(sandbox.systemctl("stop", CANARY), CANARY, log);
			assertStoppedCleanly(CANARY, log, cgroup);
			assertThat(startTime(hostPid)).as("pid " + hostPid + " after stop").isNotEqualTo(Optional.of(started));
			System.out.println("SystemdIT canary: MainPID " + pid + " = host pid " + hostPid + ", stopped cleanly");
		}
		finally {
			stopQuietly(CANARY);
		}
	}

	@Test
	@Order(2)
	void startReloadsUnderLoadAndStopAsTheReadmeUnitSays() throws Exception {
		int port = DemoProcess.freePort();
		int managementPort = DemoProcess.freePort();
		Path log = sandbox.shared().resolve("grace-demo.log");
		sandbox.install(SERVICE, readmeUnit(port, managementPort, log));
		try {
			assertSucceeded(sandbox.systemctl("start", SERVICE), SERVICE, log);
			// Type=notify: start returns once the application said READY=1, so it serves now.
			Response first = getNow(port, "/", log);
			assertThat(first.status()).as("GET / right after systemctl start returned").isEqualTo(200);
			assertThat(getNow(managementPort, "/actuator/health", log).status()).isEqualTo(200);
			// The pid the application reports and MainPID are both in the sandbox's PID
			// namespace; hostPid() maps them to the host's for /proc and the cgroup.
			long pid = first.jsonLong("pid");
			assertMainProcess(pid, log);
			Path cgroup = sandbox.hostCgroup(SERVICE);

			List<Sample> samples;
			try (MixedLoad load = new MixedLoad(port, managementPort, 2, 1500)) {
				for (int generation = 2; generation <= 4; generation++) {
					load.awaitEveryKindServed();
					long oldHostPid = sandbox.hostPid(pid).orElseThrow();
					String oldStart = startTime(oldHostPid).orElseThrow();
					assertSucceeded(sandbox.systemctl("reload", SERVICE), SERVICE, log);
					int expected = generation;
					long previous = pid;
					pid = awaitOrReport("generation " + generation + " serving GET /", SERVICE, log,
							() -> RawHttp.get(port, "/"),
							(r) -> r.status() == 200 && r.jsonLong("generation") == expected
									&& r.jsonLong("pid") != previous)
						.jsonLong("pid");
					awaitOrReport("old main process " + previous + " (host pid " + oldHostPid + ") gone", SERVICE,
							log, () -> startTime(oldHostPid), (start) -> !start.equals(Optional.of(oldStart)));
					assertMainProcess(pid, log);
				}
				load.awaitEveryKindServed();
				samples = load.stop();
			}
			List<Sample> failures = samples.stream().filter(Sample::failed).toList();
			assertThat(failures).as(() -> "failed requests of " + samples.size() + sandbox.report(SERVICE, log))
				.isEmpty();
			Set<Long> servingPids = samples.stream()
				.map(Sample::pid)
				.filter((p) -> p > 0)
				.collect(Collectors.toCollection(TreeSet::new));
			assertThat(servingPids).hasSize(4);
			long hostPid = sandbox.hostPid(pid).orElseThrow();
			// besides the serving process, at most a side run training the class-data cache
			assertThat(SystemdSandbox.processesIn(cgroup).stream().filter((p) -> !DemoProcess.isClassDataTraining(p)))
				.as("processes of " + SERVICE)
				.containsExactly(hostPid);
			String started = startTime(hostPid).orElseThrow();

			// A slow request in flight when systemd sends SIGTERM is answered before the exit.
			try (RawHttp slow = RawHttp.connect(port)) {
				slow.writeRequest("GET", "/slow?ms=1500", null, false);
				awaitOrReport("the slow request in flight", SERVICE, log, () -> RawHttp.get(port, "/"),
						(r) -> r.jsonLong("slowInFlight") == 1);
				assertSucceeded(sandbox.systemctl("stop", SERVICE), SERVICE, log);
				assertThat(slow.readResponse().status()).as("slow request across systemctl stop").isEqualTo(200);
			}
			assertStoppedCleanly(SERVICE, log, cgroup);
			assertThat(startTime(hostPid)).as("pid " + hostPid + " after stop").isNotEqualTo(Optional.of(started));
			System.out.println("SystemdIT: " + samples.size() + " requests, 0 failed, pids " + servingPids
					+ ", systemd log:\n" + String.join("\n", sandbox.systemdLog(SERVICE)));
		}
		finally {
			stopQuietly(SERVICE);
		}
	}

	// systemd's MainPID is the process that serves, and the unit is active. systemd
	// changes MainPID when the old main process exits, a moment after it is gone.
	private static void assertMainProcess(long servingPid, Path log) {
		String pid = Long.toString(servingPid);
		Map<String, String> state = awaitOrReport("MainPID " + pid, SERVICE, log,
				() -> sandbox.show(SERVICE, "MainPID", "ActiveState", "SubState", "NRestarts"),
				(s) -> s.get("MainPID").equals(pid) || !Set.of("active", "reloading").contains(s.get("ActiveState")));
		assertThat(state).as(() -> sandbox.report(SERVICE, log))
			.containsEntry("MainPID", pid)
			.containsEntry("ActiveState", "active")
			.containsEntry("SubState", "running")
			.containsEntry("NRestarts", "0");
		long hostPid = sandbox.hostPid(servingPid).orElseThrow();
		assertThat(SystemdSandbox.processesIn(sandbox.hostCgroup(SERVICE))).as("processes of " + SERVICE)
			.contains(hostPid);
	}

	private static void assertStoppedCleanly(String unit, Path log, Path cgroup) {
		Map<String, String> stopped = sandbox.show(unit, "ActiveState", "SubState", "Result", "MainPID");
		assertThat(stopped).as(() -> sandbox.report(unit, log))
			.containsEntry("Result", "success")
			.containsEntry("ActiveState", "inactive")
			.containsEntry("MainPID", "0");
		// systemd logs it before the stop job ends, but a thread copies its log to the file
		awaitOrReport("systemd logging that " + unit + " was deactivated", unit, log, () -> sandbox.systemdLog(unit),
				(lines) -> lines.stream().anyMatch((line) -> line.contains("Deactivated successfully")));
		assertThat(sandbox.systemdLog(unit)).as(() -> sandbox.report(unit, log))
			.noneMatch((line) -> line.contains("SIGKILL") || line.contains("timed out"))
			.anyMatch((line) -> line.contains("Deactivated successfully"));
		assertThat(SystemdSandbox.processesIn(cgroup)).as("processes left in " + cgroup).isEmpty();
	}

	private static Response getNow(int port, String path, Path log) {
		try {
			return RawHttp.get(port, path);
		}
		catch (IOException ex) {
			throw new AssertionError("GET " + path + " on port " + port + " right after systemctl start returned: "
					+ ex + sandbox.report(SERVICE, log), ex);
		}
	}

	private static void assertSucceeded(Result result, String unit, Path log) {
		assertThat(result.exitCode()).as(() -> result + sandbox.report(unit, log)).isZero();
	}

	private static <T> T awaitOrReport(String what, String unit, Path log, Callable<T> probe, Predicate<T> done) {
		try {
			return await().atMost(DemoProcess.HANDOVER_TIMEOUT)
				.pollInterval(Duration.ofMillis(100))
				.ignoreExceptions()
				.until(probe, done);
		}
		catch (ConditionTimeoutException ex) {
			throw new AssertionError("Not within " + DemoProcess.HANDOVER_TIMEOUT + ": " + what
					+ sandbox.report(unit, log), ex);
		}
	}

	// Whatever a failed test left running is killed, so that the other test has the cores.
	private static void stopQuietly(String unit) {
		if (!sandbox.processesOf(unit).isEmpty()) {
			sandbox.systemctl(Duration.ofSeconds(30), "kill", "--signal=SIGKILL", unit);
		}
		sandbox.systemctl(Duration.ofSeconds(90), "stop", unit);
		sandbox.systemctl(Duration.ofSeconds(30), "reset-failed", unit);
	}

	// The start time of a process (field 22 of /proc/<pid>/stat): empty once it is gone,
	// different if its pid was reused.
	private static Optional<String> startTime(long hostPid) {
		try {
			String stat = Files.readString(Path.of("/proc", Long.toString(hostPid), "stat"));
			return Optional.of(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19]);
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	private static String execStart(int port, int managementPort, String pidFile) throws IOException {
		String java = javaHome().toRealPath().resolve("bin/java").toString();
		String jar = DemoProcess.jar().toRealPath().toString();
		return java + " -Xmx256m -XX:TieredStopAtLevel=1 -jar " + jar + " --server.port=" + port
				+ " --management.server.port=" + managementPort
				+ ((pidFile != null) ? " --grace.pid-file=" + pidFile : "");
	}

	// The unit the README shows, as examples/ ships it; the test only adds where its output goes
	private static String readmeUnit(int port, int managementPort, Path log) throws IOException {
		Path example = Path.of(System.getProperty("grace.examples", "../examples"), "systemd", "grace-demo.service");
		String unit = Files.readString(example)
			.replace("@JAVA@", javaHome().toRealPath().resolve("bin/java").toString())
			.replace("@JAR@", DemoProcess.jar().toRealPath().toString())
			.replace("@PORT@", Integer.toString(port))
			.replace("@MANAGEMENT_PORT@", Integer.toString(managementPort));
		assertThat(unit).doesNotContain("@");
		return unit.replace("[Unit]\n", "[Unit]\nDefaultDependencies=no\n")
			.replace("[Service]\n", "[Service]\nStandardOutput=append:" + log + "\nStandardError=inherit\n");
	}

	private static Path javaHome() {
		return Path.of(System.getProperty("java.home"));
	}


}
