package dev.grace.demo;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.GraceStatus;
import dev.grace.demo.support.GraceStatus.Listener;
import dev.grace.demo.support.Processes;
import dev.grace.demo.support.RawHttp;
import dev.grace.demo.support.RawHttp.Response;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * The handover as a user sees it: the demo jar in its own process, real signals, real
 * HTTP over 127.0.0.1, pids and exit codes checked.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class HandoverIT {

	@Test
	void usr2HandsEveryPortToANewProcessAndTheOldOneExitsZero() throws Exception {
		int extraPort = DemoProcess.freePort();
		try (DemoProcess demo = DemoProcess.start("--demo.extra-port=" + extraPort)) {
			long oldPid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			assertThat(oldPid).isEqualTo(demo.firstPid());
			assertThat(RawHttp.get(extraPort, "/").jsonLong("pid")).isEqualTo(oldPid);

			Processes.signal(oldPid, Processes.SIGUSR2);

			long newPid = demo.awaitGeneration(2, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
			assertThat(newPid).isNotEqualTo(oldPid);
			assertThat(demo.awaitExit(oldPid, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);
			GraceStatus status = GraceStatus.of(demo.managementPort());
			assertThat(status.pid()).isEqualTo(newPid);
			assertThat(status.generation()).isEqualTo(2);
			assertThat(status.state()).isEqualTo("SERVING");
			assertThat(status.listeners()).extracting(Listener::name, Listener::port)
				.containsExactlyInAnyOrder(tuple("server", demo.port()), tuple("management", demo.managementPort()),
						tuple("server-connector-" + extraPort, extraPort));
			assertThat(status.listeners()).extracting(Listener::fd).containsExactlyInAnyOrder(3, 4, 5);
			assertThat(status.listeners()).extracting(Listener::address).containsOnly("127.0.0.1");
			assertThat(RawHttp.get(extraPort, "/").jsonLong("pid")).isEqualTo(newPid);
			assertThat(demo.log()).contains("Adopted inherited socket fd 4 (127.0.0.1:" + extraPort + ")")
				.doesNotContain("no connector claimed it");
			assertThat(demo.livePids()).containsExactly(newPid);
		}
	}

	@Test
	void actuatorRestartsTwiceInARow() throws Exception {
		try (DemoProcess demo = DemoProcess.start()) {
			long first = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");

			Response accepted = RawHttp.once(demo.managementPort(), "POST", "/actuator/grace", null);
			assertThat(accepted.status()).isEqualTo(202);
			assertThat(accepted.jsonString("/message")).isEqualTo("restart started");
			assertThat(accepted.jsonString("/restart/trigger")).isEqualTo("ACTUATOR");
			assertThat(accepted.jsonString("/restart/outcome")).isEqualTo("IN_PROGRESS");
			long second = demo.awaitGeneration(2, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
			assertThat(demo.awaitExit(first, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);

			assertThat(RawHttp.once(demo.managementPort(), "POST", "/actuator/grace", null).status()).isEqualTo(202);
			long third = demo.awaitGeneration(3, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
			assertThat(demo.awaitExit(second, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);
			assertThat(third).isNotIn(first, second);
			assertThat(demo.livePids()).containsExactly(third);
		}
	}

	@Test
	void slowRequestStartedBeforeTheHandoverCompletesOnTheOldProcess() throws Exception {
		try (DemoProcess demo = DemoProcess.start()) {
			long oldPid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			CompletableFuture<Response> slow = slowRequestInFlight(demo, 4000);

			Processes.signal(oldPid, Processes.SIGUSR2);

			Response response = slow.get(60, TimeUnit.SECONDS);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.jsonLong("pid")).isEqualTo(oldPid);
			demo.awaitGeneration(2, DemoProcess.HANDOVER_TIMEOUT);
			assertThat(demo.awaitExit(oldPid, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);
		}
	}

	@Test
	void keepAliveRequestToTheDrainingProcessIsAnsweredWithConnectionClose() throws Exception {
		try (DemoProcess demo = DemoProcess.start()) {
			long oldPid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			RawHttp keepAlive = RawHttp.connect(demo.port());
			assertThat(keepAlive.send("GET", "/", null, true).jsonLong("pid")).isEqualTo(oldPid);
			Processes.signal(oldPid, Processes.SIGUSR2);
			GraceStatus restarting = GraceStatus.await(demo.managementPort(), (s) -> "RESTARTING".equals(s.state()),
					DemoProcess.HANDOVER_TIMEOUT);
			assertThat(restarting.trigger()).isEqualTo("SIGNAL");
			assertThat(restarting.outcome()).isEqualTo("IN_PROGRESS");
			// keeps the old process draining after the new one serves
			CompletableFuture<Response> slow = slowRequestInFlight(demo, 20_000);
			long newPid = demo.awaitGeneration(2, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
			// the new process answers a moment before the old one has stopped accepting
			demo.awaitLog("Restart step DRAINING child " + newPid, DemoProcess.HANDOVER_TIMEOUT);

			Response drained = keepAlive.send("GET", "/", null, true);

			assertThat(drained.status()).isEqualTo(200);
			assertThat(drained.jsonLong("pid")).isEqualTo(oldPid);
			assertThat(drained.closesConnection()).isTrue();
			keepAlive.close();
			assertThat(slow.get(60, TimeUnit.SECONDS).jsonLong("pid")).isEqualTo(oldPid);
			assertThat(demo.awaitExit(oldPid, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);
		}
	}

	@Test
	void termCompletesTheRequestInFlightAndExitsZero() throws Exception {
		try (DemoProcess demo = DemoProcess.start()) {
			long pid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			CompletableFuture<Response> slow = slowRequestInFlight(demo, 2000);

			Processes.signal(pid, Processes.SIGTERM);

			Response response = slow.get(60, TimeUnit.SECONDS);
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.jsonLong("pid")).isEqualTo(pid);
			assertThat(demo.awaitExit(pid, Duration.ofSeconds(30))).hasValue(0);
			assertThat(demo.livePids()).isEmpty();
			assertThatExceptionOfType(ConnectException.class).isThrownBy(() -> RawHttp.get(demo.port(), "/"));
		}
	}

	@Test
	void disabledBindsAsUsualAndIgnoresRestartRequests() throws Exception {
		try (DemoProcess demo = DemoProcess.start("--grace.enabled=false")) {
			long pid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			assertThat(RawHttp.get(demo.managementPort(), "/actuator/grace").status()).isEqualTo(404);
			assertThat(RawHttp.once(demo.managementPort(), "POST", "/actuator/grace", null).status()).isEqualTo(404);

			assertThat(demo.log()).doesNotContain("Adopted inherited socket", "HotSpot uses SIGUSR2");

			// With no handler installed, SIGUSR2 gets the stock JVM's treatment (HotSpot's
			// suspend signal: it aborts). What must not happen is a restart; that cannot be
			// awaited, so watch for a bounded time that no other process appears: any poll
			// that sees one fails at once (failFast), not only one at the end of the window.
			Processes.signal(pid, Processes.SIGUSR2);
			await("no other process for 3 s").during(Duration.ofSeconds(3))
				.atMost(Duration.ofSeconds(10))
				.pollDelay(Duration.ZERO)
				.pollInterval(Duration.ofMillis(50))
				.failFast("a process other than " + pid + " appeared",
						() -> assertThat(demo.livePids()).isSubsetOf(pid))
				.untilAsserted(() -> assertThat(demo.livePids()).isSubsetOf(pid));
			assertThat(demo.log()).doesNotContain("Restart requested");
		}
	}

	// Returns once the demo is serving the slow request, so that a signal sent next
	// finds it in flight.
	private static CompletableFuture<Response> slowRequestInFlight(DemoProcess demo, long millis) {
		CompletableFuture<Response> slow = CompletableFuture
			.supplyAsync(() -> call(() -> RawHttp.get(demo.port(), "/slow?ms=" + millis)));
		await("slow request in flight").atMost(Duration.ofSeconds(10))
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(10))
			.until(() -> RawHttp.get(demo.port(), "/").jsonLong("slowInFlight"), (inFlight) -> inFlight >= 1);
		return slow;
	}

	static <T> T call(IoCall<T> call) {
		try {
			return call.call();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	interface IoCall<T> {

		T call() throws IOException;

	}

}
