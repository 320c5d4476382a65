package dev.grace.demo;

import java.net.ConnectException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.RawHttp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Bad socket-activation input, given the way systemd gives it (a shell sets
 * {@code LISTEN_PID} to the pid java will have and opens the descriptors): the start
 * fails before anything is bound, with one line that names the variable or descriptor.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BadInputIT {

	private static final Duration FAIL_TIMEOUT = Duration.ofSeconds(60);

	@Test
	void garbageListenFds() throws Exception {
		assertFailsToStart(Map.of("LISTEN_FDS", "two"), "true",
				"Inherited sockets cannot be used: LISTEN_FDS='two' is not a number of descriptors");
	}

	@Test
	void negativeAndAbsurdListenFds() throws Exception {
		assertFailsToStart(Map.of("LISTEN_FDS", "-3"), "true", "LISTEN_FDS=-3 is out of range");
		assertFailsToStart(Map.of("LISTEN_FDS", "99999"), "true", "LISTEN_FDS=99999 is out of range");
	}

	@Test
	void descriptorThatIsAFile() throws Exception {
		assertFailsToStart(Map.of("LISTEN_FDS", "1"), "exec 3</etc/hostname",
				"Inherited sockets cannot be used: inherited fd 3 is not a socket (it is /etc/hostname)");
	}

	// A descriptor closed at exec is reused by the JVM for its own files before any
	// application code runs, so it is reported as what it became, never adopted.
	@Test
	void descriptorThatWasNotOpen() throws Exception {
		assertFailsToStart(Map.of("LISTEN_FDS", "1"), "exec 3<&-",
				"Inherited sockets cannot be used: inherited fd 3 is not a socket (it is ");
	}

	@Test
	void namesThatDoNotMatchTheCount() throws Exception {
		assertFailsToStart(Map.of("LISTEN_FDS", "1", "LISTEN_FDNAMES", "server:management"), "exec 3</etc/hostname",
				"LISTEN_FDNAMES='server:management' names 2 descriptors but LISTEN_FDS=1");
	}

	@Test
	void invalidGracePropertyFailsWithAFailureAnalysis() throws Exception {
		try (DemoProcess demo = DemoProcess.start("--grace.ready-timeout=soon")) {
			assertThat(demo.awaitFirstExit(FAIL_TIMEOUT)).isNotZero();
			assertThat(demo.log()).contains("APPLICATION FAILED TO START", "grace.ready-timeout", "soon");
			assertNothingListening(demo);
		}
	}

	@Test
	void descriptorsForAnotherPidAreIgnoredAndPortsBound() throws Exception {
		try (DemoProcess demo = DemoProcess.start(DemoProcess.jar(), DemoProcess.freePort(), DemoProcess.freePort(),
				Map.of("LISTEN_FDS", "1"), "export LISTEN_PID=1; exec 3</etc/hostname")) {
			demo.awaitGeneration(1, DemoProcess.START_TIMEOUT);
			assertThat(demo.log()).contains("Ignoring LISTEN_FDS=1: LISTEN_PID=1 names another process")
				.doesNotContain("Adopted inherited socket");
		}
	}

	private static void assertFailsToStart(Map<String, String> env, String shellSetup, String message)
			throws Exception {
		try (DemoProcess demo = DemoProcess.start(DemoProcess.jar(), DemoProcess.freePort(), DemoProcess.freePort(),
				env, shellSetup)) {
			assertThat(demo.awaitFirstExit(FAIL_TIMEOUT)).isEqualTo(1);
			assertThat(demo.log()).contains(message, "APPLICATION FAILED TO START")
				.doesNotContain("Tomcat started on port");
			assertNothingListening(demo);
		}
	}

	private static void assertNothingListening(DemoProcess demo) {
		assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> RawHttp.get(demo.port(), "/"));
		assertThatExceptionOfType(ConnectException.class)
			.isThrownBy(() -> RawHttp.get(demo.managementPort(), "/actuator/health"));
	}

}
