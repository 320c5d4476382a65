package dev.grace.boot.internal.supervisor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The supervisor as a process of its own (it makes itself a subreaper, so never in the
 * test's JVM), supervising a shell script in place of an application: the script prints
 * its pid and the supervisor's socket, then exits 3 once it reads a line. The test speaks
 * for the application over the socket, as {@link SupervisorNotifier} does.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SupervisorProcessTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	@TempDir
	Path dir;

	private final List<String> output = new CopyOnWriteArrayList<>();

	private Process supervisor;

	private Thread reader;

	// Its pipes are closed here, not later by the JDK's reaper after waitFor has returned:
	// a test that counts this JVM's open descriptors may run next.
	@AfterEach
	void killEverything() throws Exception {
		if (this.supervisor != null) {
			this.supervisor.descendants().forEach(ProcessHandle::destroyForcibly);
			this.supervisor.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			this.reader.join(10_000);
			this.supervisor.getOutputStream().close();
			this.supervisor.getInputStream().close();
		}
	}

	@Test
	void aProcessThatSaysItStopsForGoodIsNotWaitedFor() throws Exception {
		String[] started = start("");
		long sh = Long.parseLong(started[0]);
		SupervisorChannel.send(started[1], "STOPPING=" + sh);
		finish();
		assertThat(this.supervisor.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(this.supervisor.exitValue()).isEqualTo(3);
		assertLogged("pid " + sh + " exited (exit code 3) and said it stops for good; exiting 3");
	}

	@Test
	void givesAProcessThatEndsWithoutAWordTimeToHaveNamedASuccessor() throws Exception {
		long sh = Long.parseLong(start("")[0]);
		finish();
		assertThat(this.supervisor.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(this.supervisor.exitValue()).isEqualTo(3);
		assertLogged("pid " + sh + " exited (exit code 3) and named no successor within 500 ms; exiting 3");
	}

	// The successor is named while its predecessor still runs (it drains): a TERM to the
	// supervisor goes to the successor, which serves, not to the predecessor (which
	// ignores it here, as a draining process does). The successor is an orphan of the
	// script's, so the supervisor is its parent and reaps it.
	@Test
	void forwardsASignalToTheNamedSuccessorWhileItsPredecessorDrains() throws Exception {
		String[] started = start("(sleep 60 & echo $! > successor.pid) &\ntrap '' TERM");
		long sh = Long.parseLong(started[0]);
		Path pidFile = this.dir.resolve("successor.pid");
		await().atMost(WAIT).until(() -> Files.isRegularFile(pidFile) && Files.readString(pidFile).endsWith("\n"));
		long successor = Long.parseLong(Files.readString(pidFile).trim());
		SupervisorChannel.send(started[1], "MAINPID=" + successor);
		// the supervisor reads its socket on a thread of its own: TERM until the successor is
		// gone and reaped
		await("successor pid " + successor + " gone after TERM to the supervisor").atMost(WAIT)
			.pollInterval(Duration.ofMillis(200))
			.until(() -> {
				this.supervisor.toHandle().destroy();
				return ProcessHandle.of(successor).isEmpty();
			});
		assertThat(ProcessHandle.of(sh)).as("the script, which drains").isPresent();
		assertThat(this.output).as("the supervisor's output").noneMatch((line) -> line.contains("exited"));
		assertThat(this.supervisor.isAlive()).isTrue();
		finish();
		assertThat(this.supervisor.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(this.supervisor.exitValue()).isEqualTo(3);
		assertLogged("pid " + sh + " exited (exit code 3) and named pid " + successor + ", which is gone; exiting 3");
	}

	/**
	 * Starts the supervisor on a script that runs {@code before}, prints its pid and the
	 * socket's name, and exits 3 once it reads a line.
	 * @return the script's pid and the socket's name
	 */
	private String[] start(String before) throws IOException {
		Path script = this.dir.resolve("app.sh");
		Files.writeString(script, "cd '" + this.dir + "'\n" + before + "\necho \"app $$ $GRACE_SUPERVISOR_SOCKET\"\n"
				+ "read line\nexit 3\n");
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		this.supervisor = new ProcessBuilder(java, "-Xmx16m", "-cp", System.getProperty("java.class.path"),
				Supervisor.class.getName(), "sh", script.toString())
			.redirectErrorStream(true)
			.start();
		this.reader = new Thread(() -> {
			try (BufferedReader lines = new BufferedReader(
					new InputStreamReader(this.supervisor.getInputStream(), StandardCharsets.UTF_8))) {
				for (String line; (line = lines.readLine()) != null;) {
					this.output.add(line);
				}
			}
			catch (IOException ex) {
				// the supervisor is gone
			}
		}, "supervisor-output");
		this.reader.setDaemon(true);
		this.reader.start();
		String app = await().atMost(WAIT)
			.until(() -> this.output.stream().filter((line) -> line.startsWith("app ")).findFirst().orElse(null),
					(line) -> line != null);
		return app.substring("app ".length()).split(" ");
	}

	// the script's stdin is the supervisor's
	private void finish() throws IOException {
		OutputStream stdin = this.supervisor.getOutputStream();
		stdin.write('\n');
		stdin.flush();
	}

	private void assertLogged(String end) {
		assertThat(this.output).as("the supervisor's output").anySatisfy((line) -> assertThat(line).endsWith(end));
	}

}
