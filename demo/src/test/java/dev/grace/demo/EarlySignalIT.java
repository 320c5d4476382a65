package dev.grace.demo;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.GraceStatus;
import dev.grace.demo.support.JvmCrash;
import dev.grace.demo.support.Processes;
import dev.grace.demo.support.RawHttp;
import dev.grace.demo.support.RawHttp.Response;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * SIGUSR2 at the first moment a process answers, which is before Spring calls it ready:
 * it must neither crash nor be lost. A signal before readiness is remembered and the
 * restart runs once the process is ready; one after readiness runs at once. Either way
 * generation 2 serves and the first process exits 0. Each round is a fresh process,
 * because the window is the start of one.
 */
class EarlySignalIT {

	private static final String WHILE_STARTING = "SIGUSR2 while starting: the restart runs once this process is ready";

	private static final String REQUESTED = "Restart requested by SIGUSR2";

	@RepeatedTest(3)
	@Timeout(value = 2, unit = TimeUnit.MINUTES)
	void usr2AtTheFirstAnswerRestartsOnceReady(RepetitionInfo round) throws Exception {
		try (DemoProcess demo = DemoProcess.start()) {
			long first = demo.firstPid();
			Path workingDirectory = JvmCrash.workingDirectory(first);

			Response firstAnswer = firstAnswer(demo);
			Processes.signal(first, Processes.SIGUSR2);

			assertThat(firstAnswer.jsonLong("pid")).isEqualTo(first);
			Response stillServing = answerAfterSignal(demo);
			assertThat(stillServing.status()).isEqualTo(200);
			assertThat(stillServing.jsonLong("pid")).isEqualTo(first);
			await("generation 2 serving").atMost(DemoProcess.HANDOVER_TIMEOUT)
				.pollInterval(Duration.ofMillis(50))
				.failFast(() -> {
					assertThat(demo.log()).as("the demo's log").doesNotContain(JvmCrash.BANNER, "Ignoring SIGUSR2");
					assertThat(demo.livePids()).as("live processes of the demo").isNotEmpty();
				})
				.until(() -> demo.servesGeneration(2));
			long next = demo.awaitGeneration(2, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");

			assertThat(next).isNotEqualTo(first);
			assertThat(demo.awaitExit(first, DemoProcess.HANDOVER_TIMEOUT)).as("exit code of pid " + first)
				.hasValue(0);
			assertThat(demo.livePids()).containsExactly(next);
			GraceStatus status = GraceStatus.of(demo.managementPort());
			assertThat(status.pid()).isEqualTo(next);
			assertThat(status.state()).isEqualTo("SERVING");
			String log = demo.log();
			assertThat(log).containsAnyOf(WHILE_STARTING, REQUESTED).doesNotContain(JvmCrash.BANNER);
			assertThat(JvmCrash.crashFile(workingDirectory, first)).doesNotExist();
			assertThat(JvmCrash.crashFile(workingDirectory, next)).doesNotExist();
			System.out.println("EarlySignalIT round " + round.getCurrentRepetition() + ": signal "
					+ (log.contains(WHILE_STARTING) ? "while starting, restart run once ready" : "after ready")
					+ ", pid " + first + " -> " + next);
		}
	}

	// As fast as possible: no pause between attempts, so that the signal follows the very
	// first answer. A connection accepted into the backlog before Tomcat accepts waits
	// for its answer, so only refused attempts repeat.
	private static Response firstAnswer(DemoProcess demo) {
		long deadline = System.nanoTime() + DemoProcess.START_TIMEOUT.toNanos();
		while (true) {
			try {
				Response response = RawHttp.get(demo.port(), "/");
				if (response.status() == 200) {
					return response;
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			if (!Processes.isAlive(demo.firstPid())) {
				fail("Demo exited before it answered:\n" + demo.log());
			}
			if (System.nanoTime() > deadline) {
				fail("Demo did not answer within " + DemoProcess.START_TIMEOUT + ":\n" + demo.log());
			}
		}
	}

	private static Response answerAfterSignal(DemoProcess demo) {
		try {
			return RawHttp.get(demo.port(), "/");
		}
		catch (IOException ex) {
			return fail("No answer after SIGUSR2 (" + ex + "):\n" + demo.log());
		}
	}

}
