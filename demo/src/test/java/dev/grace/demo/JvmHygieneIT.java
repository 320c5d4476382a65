package dev.grace.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.Processes;
import dev.grace.demo.support.RawHttp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * SIGUSR2 is HotSpot's thread-suspension signal, which JFR's sampler uses. A process
 * started by hand without {@code _JAVA_SR_SIGNUM} warns what to set; every restarted
 * process gets it, so JFR profiles it and SIGUSR2 still restarts it.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class JvmHygieneIT {

	@TempDir
	Path dir;

	@Test
	void jfrProfilesARestartedProcessAndSigusr2StillRestartsIt() throws Exception {
		try (DemoProcess demo = DemoProcess.start()) {
			long first = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			assertThat(demo.log()).containsOnlyOnce("HotSpot uses SIGUSR2 for thread suspension unless _JAVA_SR_SIGNUM")
				.contains("Start it with _JAVA_SR_SIGNUM=39 in its environment");

			Processes.signal(first, Processes.SIGUSR2);
			long second = demo.awaitGeneration(2, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
			assertThat(demo.awaitExit(first, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);
			assertThat(environ(second)).contains("_JAVA_SR_SIGNUM=39");

			jcmd(second, "JFR.start", "name=grace", "settings=profile");
			for (int i = 0; i < 2000; i++) {
				assertThat(RawHttp.get(demo.port(), "/").status()).isEqualTo(200);
			}
			Path recording = this.dir.resolve("child.jfr");
			jcmd(second, "JFR.dump", "name=grace", "filename=" + recording);
			assertThat(executionSamples(recording)).as("JFR method samples in the restarted process")
				.isGreaterThan(0);

			// the recording is still running: its sampler must not have taken SIGUSR2
			Processes.signal(second, Processes.SIGUSR2);
			long third = demo.awaitGeneration(3, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
			assertThat(demo.awaitExit(second, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);
			assertThat(demo.livePids()).containsExactly(third);
			assertThat(demo.log()).containsOnlyOnce("HotSpot uses SIGUSR2 for thread suspension");
		}
	}

	// jnr's native calls make JDK 24+ warn; restarted processes get the options that allow them
	@Test
	void onJava25NoRestartedProcessWarnsAboutNativeAccess() {
		Path jdk25 = Path.of(System.getProperty("grace.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"));
		Assumptions.assumeTrue(Files.isExecutable(jdk25.resolve("bin/java")),
				"no JDK 25 at " + jdk25 + " (set -Dgrace.jdk25=<java home>)");
		try (DemoProcess demo = DemoProcess.startOn(jdk25)) {
			long first = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			// the first process was started without the README's options: it warns, once
			assertThat(demo.log()).containsOnlyOnce("WARNING: A restricted method")
				.containsOnlyOnce("WARNING: A terminally deprecated method in sun.misc.Unsafe");

			Processes.signal(first, Processes.SIGUSR2);
			long second = demo.awaitGeneration(2, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");

			assertThat(demo.awaitExit(first, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);
			assertThat(demo.log()).as("generation 2 (pid " + second + ") adds no warning")
				.containsOnlyOnce("WARNING: A restricted method")
				.containsOnlyOnce("WARNING: A terminally deprecated method in sun.misc.Unsafe");
			// logged once the new process serves and has told its parent, which may be gone first
			demo.awaitLog("Generation 2 ready; told parent pid " + first, Duration.ofSeconds(10));
		}
	}

	private static List<String> environ(long pid) throws IOException {
		String raw = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.UTF_8);
		return List.of(raw.split("\0"));
	}

	private static String jcmd(long pid, String... command) throws Exception {
		List<String> argv = new ArrayList<>(List.of(tool("jcmd"), Long.toString(pid)));
		argv.addAll(List.of(command));
		return run(argv);
	}

	private static long executionSamples(Path recording) throws Exception {
		String summary = run(List.of(tool("jfr"), "summary", recording.toString()));
		Matcher matcher = Pattern.compile("jdk\\.ExecutionSample\\s+(\\d+)").matcher(summary);
		assertThat(matcher.find()).as(summary).isTrue();
		return Long.parseLong(matcher.group(1));
	}

	private static String tool(String name) {
		return Path.of(System.getProperty("java.home"), "bin", name).toString();
	}

	private static String run(List<String> argv) throws Exception {
		Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(argv + " finished").isTrue();
		assertThat(process.exitValue()).as(argv + ": " + output).isZero();
		return output;
	}

}
