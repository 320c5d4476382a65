package dev.grace.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.JvmCrash;
import dev.grace.demo.support.MixedLoad;
import dev.grace.demo.support.MixedLoad.Kind;
import dev.grace.demo.support.MixedLoad.Sample;
import dev.grace.demo.support.Processes;
import dev.grace.demo.support.RawHttp;
import dev.grace.demo.support.RawHttp.Response;
import dev.grace.demo.support.SseStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reactive applications: WebFlux on Tomcat restarts like the servlet demo, with nothing
 * lost under the mixed load; WebFlux on Netty, which has no Tomcat connector to hand
 * over, says once that graceful restart is inactive and then ignores SIGUSR2 instead of
 * letting HotSpot abort on it.
 */
class WebFluxIT {

	@Test
	@Timeout(value = 6, unit = TimeUnit.MINUTES)
	void webFluxOnTomcatHandsOverThreeTimesUnderMixedLoadLosingNothing() throws Exception {
		try (DemoProcess demo = DemoProcess.start(jar("demo.webflux.jar"), DemoProcess.freePort(),
				DemoProcess.freePort(), Map.of(), null)) {
			long pid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			assertThat(pid).isEqualTo(demo.firstPid());
			Path workingDirectory = JvmCrash.workingDirectory(pid);
			servesWhatTheServletDemoServes(demo, pid);
			assertThat(demo.log()).doesNotContain("Graceful restart is inactive");

			List<Long> pids = new ArrayList<>(List.of(pid));
			List<SseStream> streams = new ArrayList<>();
			List<Sample> samples;
			try (MixedLoad load = new MixedLoad(demo.port(), demo.managementPort(), 2, 1500)) {
				for (int generation = 2; generation <= 4; generation++) {
					load.awaitEveryKindServed();
					SseStream stream = SseStream.open(demo.port(), "/sse");
					streams.add(stream);
					long streaming = pid;
					await("an event stream from pid " + pid).atMost(Duration.ofSeconds(10))
						.until(() -> stream.pid() == streaming);
					if (generation == 3) {
						Response accepted = RawHttp.once(demo.managementPort(), "POST", "/actuator/grace", null);
						assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
						assertThat(accepted.text()).contains("\"message\":\"restart started\"",
								"\"trigger\":\"ACTUATOR\"");
					}
					else {
						Processes.signal(pid, Processes.SIGUSR2);
					}
					long next = awaitGeneration(demo, generation).jsonLong("pid");
					assertThat(next).isNotIn(pids);
					assertThat(demo.awaitExit(pid, DemoProcess.HANDOVER_TIMEOUT)).as("exit code of pid " + pid)
						.hasValue(0);
					// the starter ended the stream (WebFlux cancels the Flux): last chunk, then close
					assertThat(stream.awaitDone(Duration.ofSeconds(10))).as("event stream of pid " + pid + " ended").isTrue();
					assertThat(stream.failure()).as("event stream of pid " + pid).isNull();
					assertThat(stream.eofNanos()).as("connection closed after the last chunk").isPositive();
					pid = next;
					pids.add(pid);
				}
				load.awaitEveryKindServed();
				samples = load.stop();
			}
			finally {
				for (SseStream stream : streams) {
					stream.close();
				}
			}

			Set<Long> servingPids = MixedLoad.assertNoneFailed(samples);
			assertThat(servingPids).containsExactlyInAnyOrderElementsOf(pids);
			assertThat(demo.livePids()).containsExactly(pid);
			Response status = RawHttp.get(demo.managementPort(), "/actuator/grace");
			assertThat(status.status()).isEqualTo(200);
			assertThat(status.jsonLong("pid")).isEqualTo(pid);
			assertThat(status.jsonLong("generation")).isEqualTo(4);
			assertThat(status.text()).contains("\"state\":\"SERVING\"", "\"name\":\"server\"",
					"\"name\":\"management\"", "\"port\":" + demo.port(), "\"port\":" + demo.managementPort());
			String log = demo.log();
			assertThat(count(log, "Restart requested by SIGUSR2")).as("SIGUSR2 restarts logged").isEqualTo(2);
			assertThat(log).doesNotContain(JvmCrash.BANNER, "Ignoring SIGUSR2");
			for (long each : pids) {
				assertThat(JvmCrash.crashFile(workingDirectory, each)).doesNotExist();
			}
			Map<Kind, Long> byKind = samples.stream()
				.collect(Collectors.groupingBy(Sample::kind, Collectors.counting()));
			assertThat(byKind).containsOnlyKeys(Kind.values());
			System.out.println("WebFluxIT (Tomcat): " + samples.size() + " requests " + byKind + ", 0 failed, pids "
					+ pids);
		}
	}

	@Test
	@Timeout(value = 2, unit = TimeUnit.MINUTES)
	void webFluxOnNettyStaysOutOfTheWayAndIgnoresSigusr2() throws Exception {
		int port = DemoProcess.freePort();
		try (DemoProcess demo = DemoProcess.start(jar("demo.netty.jar"), port, port, Map.of(), null)) {
			long pid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			assertThat(pid).isEqualTo(demo.firstPid());
			Path workingDirectory = JvmCrash.workingDirectory(pid);

			// Logged while the context starts, so before the first answer; awaited in case
			// the log is written a little after.
			await("the startup line saying why restart is inactive").atMost(Duration.ofSeconds(10))
				.pollInterval(Duration.ofMillis(50))
				.untilAsserted(() -> assertThat(demo.log()).contains("Graceful restart is inactive:"));
			List<String> inactive = lines(demo.log(), "Graceful restart is inactive:");
			assertThat(inactive).as("startup lines saying restart is inactive").hasSize(1);
			assertThat(inactive.get(0)).containsAnyOf("Netty", "Tomcat");

			Processes.signal(pid, Processes.SIGUSR2);

			await("the log saying SIGUSR2 is ignored").atMost(Duration.ofSeconds(10))
				.pollInterval(Duration.ofMillis(50))
				.failFast(() -> {
					assertThat(demo.log()).as("the demo's log").doesNotContain(JvmCrash.BANNER);
					assertThat(Processes.isAlive(pid)).as("pid " + pid + " alive after SIGUSR2").isTrue();
				})
				.untilAsserted(
						() -> assertThat(demo.log()).contains("Ignoring SIGUSR2: graceful restart is inactive"));
			Response after = RawHttp.get(port, "/");
			assertThat(after.status()).isEqualTo(200);
			assertThat(after.jsonLong("pid")).isEqualTo(pid);
			assertThat(after.jsonLong("generation")).isEqualTo(1);
			assertThat(demo.livePids()).containsExactly(pid);
			assertThat(JvmCrash.crashFile(workingDirectory, pid)).doesNotExist();
			assertThat(demo.log()).doesNotContain(JvmCrash.BANNER, "Restart requested");

			Processes.signal(pid, Processes.SIGTERM);
			assertThat(demo.awaitExit(pid, Duration.ofSeconds(30))).as("exit after SIGTERM").isPresent();
			assertThat(demo.livePids()).isEmpty();
			assertThat(JvmCrash.crashFile(workingDirectory, pid)).doesNotExist();
		}
	}

	// Fails at once if the JVM aborted (as a stock one does on SIGUSR2) or every process
	// of the demo is gone, instead of polling until the timeout.
	private static Response awaitGeneration(DemoProcess demo, int generation) {
		await("generation " + generation + " serving").atMost(DemoProcess.HANDOVER_TIMEOUT)
			.pollInterval(Duration.ofMillis(50))
			.failFast(() -> {
				assertThat(demo.log()).as("the demo's log").doesNotContain(JvmCrash.BANNER);
				assertThat(demo.livePids()).as("live processes of the demo").isNotEmpty();
			})
			.until(() -> demo.servesGeneration(generation));
		return demo.awaitGeneration(generation, DemoProcess.HANDOVER_TIMEOUT);
	}

	// The requests the mixed load makes, each checked once, so that a failure under load
	// points at the restart and not at the reactive application.
	private static void servesWhatTheServletDemoServes(DemoProcess demo, long pid) throws IOException {
		Response slow = RawHttp.get(demo.port(), "/slow?ms=200");
		assertThat(slow.status()).isEqualTo(200);
		assertThat(slow.jsonLong("pid")).isEqualTo(pid);
		assertThat(slow.jsonLong("sleptMs")).isEqualTo(200);
		byte[] body = new byte[MixedLoad.POST_BYTES];
		new Random().nextBytes(body);
		Response echo = RawHttp.once(demo.port(), "POST", "/echo", body);
		assertThat(echo.status()).isEqualTo(200);
		assertThat(echo.headers().get("content-type")).startsWith("application/octet-stream");
		assertThat(echo.body()).isEqualTo(body);
		assertThat(RawHttp.get(demo.port(), "/").text()).contains("\"generation\":1", "\"started\":",
				"\"slowInFlight\":0");
	}


	private static Path jar(String property) {
		String jar = System.getProperty(property);
		if (jar == null || !Files.isRegularFile(Path.of(jar))) {
			throw new IllegalStateException("System property " + property + " must name a built jar, was " + jar);
		}
		return Path.of(jar);
	}

	private static List<String> lines(String log, String text) {
		return log.lines().filter((line) -> line.contains(text)).toList();
	}

	private static int count(String text, String what) {
		Matcher matcher = Pattern.compile(Pattern.quote(what)).matcher(text);
		int count = 0;
		while (matcher.find()) {
			count++;
		}
		return count;
	}

}
