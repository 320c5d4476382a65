package dev.grace.demo;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.GraceStatus;
import dev.grace.demo.support.Json;
import dev.grace.demo.support.Processes;
import dev.grace.demo.support.RawHttp;
import dev.grace.demo.support.RawHttp.Response;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What monitoring sees of restarts, read from the demo's real actuator endpoints: one
 * chain of processes, first a restart into a child that fails to start, then a good one,
 * then a scrape of the new process.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ObservabilityIT {

	private static final Pattern READY_AFTER = Pattern.compile("Child pid (\\d+) is ready after (\\d+) ms");

	@TempDir
	Path dir;

	@Test
	void metricsHealthAndInfoFollowTheRestartsAcrossTheHandover() throws Exception {
		Path config = this.dir.resolve("application.properties");
		String location = "--spring.config.additional-location=optional:file:" + this.dir + "/";
		try (DemoProcess demo = DemoProcess.start(location)) {
			check(demo, config);
		}
	}

	private void check(DemoProcess demo, Path config) throws Exception {
		try {
			checkRestarts(demo, config);
		}
		catch (AssertionError | RuntimeException ex) {
			System.out.println("the demo's log:\n" + demo.log());
			throw ex;
		}
	}

	private void checkRestarts(DemoProcess demo, Path config) throws Exception {
		int management = demo.managementPort();
		long first = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
		assertThat(metric(management, "grace.generation", "VALUE")).isEqualTo(1.0);
		assertThat(restarts(management, "succeeded", "signal")).isZero();
		assertThat(health(management).at("/components/grace/details/lastRestart").isMissingNode()).isTrue();

		// a restart into a child that exits: this process counts it, and stays UP
		Files.writeString(config, "demo.fail-on-start=true\n");
		Processes.signal(first, Processes.SIGUSR2);
		GraceStatus restarting = GraceStatus.await(management,
				(s) -> "RESTARTING".equals(s.state()) && s.childPid() > 0, DemoProcess.HANDOVER_TIMEOUT);
		Response refused = RawHttp.once(management, "POST", "/actuator/grace", null);
		assertThat(refused.status()).isEqualTo(409);
		GraceStatus failed = GraceStatus.await(management,
				(s) -> "FAILED".equals(s.outcome()) && "SERVING".equals(s.state()), DemoProcess.HANDOVER_TIMEOUT);
		assertThat(failed.childPid()).isEqualTo(restarting.childPid());
		assertThat(restarts(management, "failed", "signal")).isOne();
		assertThat(restarts(management, "refused", "actuator")).isOne();
		JsonNode health = health(management);
		assertThat(Json.string(health, "/status")).isEqualTo("UP");
		assertThat(Json.string(health, "/components/grace/status")).isEqualTo("UP");
		assertThat(Json.string(health, "/components/grace/details/state")).isEqualTo("SERVING");
		assertThat(Json.string(health, "/components/grace/details/lastRestart/outcome")).isEqualTo("FAILED");
		assertThat(Json.string(health, "/components/grace/details/lastRestart/reason"))
			.isEqualTo(failed.reason())
			.contains("exited before it was ready (exit code 1)");
		assertThat(Json.number(health, "/components/grace/details/lastRestart/durationMillis")).isPositive();

		// a good restart: the new process reports it, on top of what its parent counted;
		// an upload the old process took, half sent, holds its drain until it is finished
		Files.delete(config);
		long second;
		try (Socket upload = new Socket("127.0.0.1", demo.port())) {
			upload.setSoTimeout(90_000);
			OutputStream out = upload.getOutputStream();
			out.write(("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
					+ "Content-Length: 8\r\nConnection: close\r\n\r\nhalf").getBytes(StandardCharsets.US_ASCII));
			out.flush();
			Processes.signal(first, Processes.SIGUSR2);
			second = demo.awaitGeneration(2, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
			double[] draining = drainSeenBy(second, management);
			System.out.println("pid " + second + " saw pid " + first + " draining with " + (long) draining[0]
					+ " connection(s) and " + (long) draining[1] + " request(s) open");
			assertThat(draining[0]).as("the upload's connection").isGreaterThanOrEqualTo(1);
			assertThat(draining[1]).as("the upload, still being read").isGreaterThanOrEqualTo(1);
			out.write("half".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			String answer = new String(upload.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
			assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\nhalfhalf");
		}
		assertThat(demo.awaitExit(first, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);
		await("the new process counts the old one's drain").atMost(Duration.ofSeconds(10))
			.until(() -> metric(management, "grace.drain.duration", "COUNT"), (count) -> count == 1.0);
		long drainedMillis = drainedMillis(demo.log(), first);
		assertThat(metric(management, "grace.drain.duration", "TOTAL_TIME")).isEqualTo(drainedMillis / 1000.0);
		assertThat(metric(management, "grace.drain.requests", "VALUE")).isZero();
		assertThat(metric(management, "grace.generation", "VALUE")).isEqualTo(2.0);
		assertThat(restarts(management, "succeeded", "signal")).isOne();
		assertThat(restarts(management, "failed", "signal")).as("handed down").isOne();
		assertThat(restarts(management, "refused", "actuator")).as("handed down").isOne();
		assertThat(metric(management, "grace.restart.duration", "COUNT")).isEqualTo(1.0);
		double seconds = metric(management, "grace.restart.duration", "TOTAL_TIME");
		long parentSaw = readyAfterMillis(demo.log(), second);
		System.out.println("restart duration: new process " + seconds + " s, old process saw it ready after "
				+ parentSaw + " ms");
		// The new process times from the request to its readiness (wall clocks), the old
		// one from its restart thread's start until it read the pipe, which the new process
		// writes once it has named itself the serving one (a /proc scan that took seconds
		// on a busy machine): no JVM starts in half a second, and never more than that.
		assertThat(seconds * 1000).isBetween(500.0, parentSaw + 100.0);

		String scrape = RawHttp.get(management, "/actuator/prometheus").text();
		List<String> grace = scrape.lines().filter((line) -> line.startsWith("grace_")).toList();
		System.out.println("scraped from pid " + second + ":\n" + String.join("\n", grace));
		assertThat(grace).contains("grace_generation 2.0",
				"grace_restarts_total{outcome=\"succeeded\",trigger=\"signal\"} 1.0",
				"grace_restarts_total{outcome=\"failed\",trigger=\"signal\"} 1.0",
				"grace_restart_duration_seconds_count 1");

		health = health(management);
		assertThat(Json.string(health, "/components/grace/details/lastRestart/outcome")).isEqualTo("SUCCEEDED");
		assertThat(Json.string(health, "/components/grace/details/lastRestart/trigger")).isEqualTo("SIGNAL");
		assertThat(Json.number(health, "/components/grace/details/lastRestart/childPid")).isEqualTo(second);
		JsonNode info = RawHttp.get(management, "/actuator/info").json();
		assertThat(Json.number(info, "/grace/generation")).isEqualTo(2);
		assertThat(Json.number(info, "/grace/pid")).isEqualTo(second);
		assertThat(Json.number(info, "/grace/parentPid")).isEqualTo(first);
		assertThat(Json.string(info, "/grace/javaVersion")).isEqualTo(Runtime.version().toString());

		// the new process logs these just after it counts the drain and after it tells its
		// parent it is ready (while it already serves)
		demo.awaitLog("Pid " + first + " drained in ", Duration.ofSeconds(10));
		demo.awaitLog("Generation 2 ready; told parent pid " + first, Duration.ofSeconds(10));
		String log = demo.log();
		assertThat(log).contains("Restart requested by SIGUSR2 [pid=" + first + " generation=1]",
				"Generation 2 ready; told parent pid " + first + " [pid=" + second + " generation=2]")
			.containsPattern("Draining: [1-9]\\d* connection\\(s\\) open, [1-9]\\d* request\\(s\\) being processed; "
					+ "pid " + second + " serves now \\[pid=" + first + " generation=1\\]")
			.contains("Pid " + first + " drained in " + drainedMillis + " ms [pid=" + second + " generation=2]");
		System.out.println(log.lines()
			.filter((line) -> line.contains("[pid="))
			.map((line) -> line.substring(line.indexOf(" : ") + 3))
			.reduce("grace log lines:", (all, line) -> all + "\n" + line));
	}

	private static long restarts(int port, String outcome, String trigger) throws IOException {
		return (long) metric(port, "grace.restarts?tag=outcome:" + outcome + "&tag=trigger:" + trigger, "COUNT");
	}

	private static double metric(int port, String nameAndTags, String statistic) throws IOException {
		Response response = RawHttp.get(port, "/actuator/metrics/" + nameAndTags);
		assertThat(response.status()).as(nameAndTags + ": " + response.text()).isEqualTo(200);
		for (JsonNode measurement : response.json().path("measurements")) {
			if (Objects.equals(Json.string(measurement, "/statistic"), statistic)) {
				return measurement.path("value").doubleValue();
			}
		}
		throw new AssertionError("no " + statistic + " in " + response.text());
	}

	private static JsonNode health(int port) throws IOException {
		return RawHttp.get(port, "/actuator/health").json();
	}

	// What the new process shows of the old one's drain, asked over one connection that
	// the new process took (the old one may take connections until it stops accepting),
	// once both figures come from a report: the first may arrive between the two reads.
	private static double[] drainSeenBy(long pid, int management) {
		return await("pid " + pid + " shows the drain").atMost(DemoProcess.HANDOVER_TIMEOUT)
			.pollInterval(Duration.ofMillis(50))
			.until(() -> {
				try (RawHttp http = RawHttp.connect(management)) {
					if (Json.number(http.send("GET", "/actuator/info", null, true).json(), "/grace/pid") != pid) {
						return null;
					}
					return new double[] { value(http, "grace.drain.connections"), value(http, "grace.drain.requests") };
				}
			}, (seen) -> seen != null && seen[0] > 0 && seen[1] > 0);
	}

	private static double value(RawHttp http, String name) throws IOException {
		JsonNode body = http.send("GET", "/actuator/metrics/" + name, null, true).json();
		return body.at("/measurements/0/value").doubleValue();
	}

	private static long drainedMillis(String log, long pid) {
		Matcher matcher = Pattern.compile("Drained in (\\d+) ms: .* \\[pid=" + pid + " generation=\\d+ elapsed=")
			.matcher(log);
		assertThat(matcher.find()).as("pid " + pid + " logged its drain").isTrue();
		return Long.parseLong(matcher.group(1));
	}

	private static long readyAfterMillis(String log, long child) {
		Matcher matcher = READY_AFTER.matcher(log);
		while (matcher.find()) {
			if (Long.parseLong(matcher.group(1)) == child) {
				return Long.parseLong(matcher.group(2));
			}
		}
		throw new AssertionError("the old process never said child pid " + child + " was ready:\n" + log);
	}

}
