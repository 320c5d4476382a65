package dev.grace.boot.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.grace.boot.internal.FakeOs.FakeChild;
import dev.grace.boot.internal.RestartHistory.Outcome;
import dev.grace.boot.restart.RestartEvent;
import dev.grace.boot.restart.RestartEvent.Step;
import dev.grace.boot.restart.RestartHook;
import dev.grace.boot.restart.RestartOutcome;
import dev.grace.boot.restart.RestartRefusedException;
import dev.grace.boot.restart.RestartReport;
import dev.grace.boot.restart.RestartState;
import dev.grace.boot.restart.RestartTrigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Every transition of the restart state machine, driven with a fake operating system:
 * no process, no socket, no signal.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RestarterTests {

	private final FakeOs os = new FakeOs();

	private final List<RestartEvent> events = new CopyOnWriteArrayList<>();

	private final List<String> eventThreads = new CopyOnWriteArrayList<>();

	private final List<RestartHook> hooks = new ArrayList<>();

	private final AtomicInteger exits = new AtomicInteger();

	private Duration readyTimeout = Duration.ofSeconds(5);

	// a fake process answers in microseconds: poll like it
	@BeforeAll
	static void pollFast() {
		Awaitility.setDefaultPollInterval(Duration.ofMillis(2));
		Awaitility.setDefaultPollDelay(Duration.ZERO);
		Awaitility.setDefaultTimeout(Duration.ofSeconds(5));
	}

	@AfterAll
	static void pollAsUsual() {
		Awaitility.reset();
	}

	private Restarter restarter() {
		return new Restarter(this.os.spawner, this.os.listeners, this.os.parent, this.os.manager,
				new Restarter.Settings(1, this.readyTimeout, Duration.ofMillis(100)), this.hooks, (event) -> {
					this.events.add(event);
					this.eventThreads.add(Thread.currentThread().getName());
				}, this.exits::incrementAndGet);
	}

	private Restarter serving() {
		Restarter restarter = restarter();
		restarter.ready();
		this.os.calls.clear();
		return restarter;
	}

	private List<Step> steps() {
		return this.events.stream().map(RestartEvent::step).toList();
	}

	private RestartReport awaitOutcome(Restarter restarter, RestartOutcome outcome) {
		await().until(() -> restarter.lastRestart() != null && restarter.lastRestart().outcome() == outcome
					&& steps().contains((outcome == RestartOutcome.FAILED) ? Step.FAILED : Step.DRAINING));
		return restarter.lastRestart();
	}

	@Test
	void readyStartsAcceptingThenServesAndTellsTheParent() {
		Restarter restarter = restarter();
		assertThat(restarter.state()).isEqualTo(RestartState.STARTING);

		restarter.ready();

		assertThat(restarter.state()).isEqualTo(RestartState.SERVING);
		// the service manager (a PID file) names this process before its parent may exit
		assertThat(this.os.calls).containsExactly("startAccepting", "manager serving 1", "notifyParent");
		restarter.ready();
		assertThat(this.os.calls).containsExactly("startAccepting", "manager serving 1", "notifyParent");
	}

	@Test
	void theManagersLearnThatTheApplicationIsReadyBeforeAnyConnectionIsAccepted() {
		ServiceManager first = new ServiceManager() {

			@Override
			public void ready() {
				RestarterTests.this.os.calls.add("manager ready");
			}

		};
		Restarter restarter = new Restarter(this.os.spawner, this.os.listeners, this.os.parent,
				ServiceManager.all(List.of(first, this.os.manager)),
				new Restarter.Settings(1, this.readyTimeout, Duration.ofMillis(100)), this.hooks, this.events::add,
				this.exits::incrementAndGet);

		restarter.ready();

		assertThat(this.os.calls).containsExactly("manager ready", "startAccepting", "manager serving 1",
				"notifyParent");
	}

	@Test
	void aProcessThatCannotBeNamedTheServingOneNeverTellsItsParent() {
		this.os.manager.servingFailure = new IllegalStateException("cannot write grace.pid-file");
		Restarter restarter = restarter();

		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(restarter::ready)
			.withMessage("cannot write grace.pid-file");

		assertThat(this.os.calls).doesNotContain("notifyParent");
	}

	@Test
	void requestWhileStartingIsRefused() {
		Restarter restarter = restarter();

		assertThatExceptionOfType(RestartRefusedException.class)
			.isThrownBy(() -> restarter.request(RestartTrigger.ACTUATOR))
			.withMessage("this process is still starting: a restart can begin once it is ready");
		assertThat(this.os.calls).isEmpty();
		assertThat(restarter.state()).isEqualTo(RestartState.STARTING);
	}

	@Test
	void signalsWhileStartingAreRememberedAndRunOnceWhenReady() throws Exception {
		Restarter restarter = restarter();
		restarter.signal();
		restarter.signal();
		restarter.signalReceivedEarlier();
		assertThat(this.os.calls).isEmpty();

		restarter.ready();

		FakeChild child = this.os.nextChild();
		assertThat(restarter.state()).isEqualTo(RestartState.RESTARTING);
		assertThat(restarter.lastRestart().trigger()).isEqualTo(RestartTrigger.SIGNAL);
		child.becomeReady();
		awaitOutcome(restarter, RestartOutcome.SUCCEEDED);
		assertThat(this.os.spawned).isEmpty();
		assertThat(this.os.calls.stream().filter((call) -> call.startsWith("spawn"))).hasSize(1);
	}

	@Test
	void restartHandsTheSocketsToAReadyChildThenStopsAcceptingAndExits() throws Exception {
		Restarter restarter = serving();

		RestartReport started = restarter.request(RestartTrigger.ACTUATOR);

		assertThat(started.outcome()).isEqualTo(RestartOutcome.IN_PROGRESS);
		FakeChild child = this.os.nextChild();
		await().until(() -> steps().contains(Step.CHILD_STARTED));
		assertThat(restarter.lastRestart().childPid()).isEqualTo(child.pid());
		assertThat(restarter.lastRestart().release()).isEqualTo(this.os.release);
		assertThat(this.exits).hasValue(0);
		child.becomeReady();
		RestartReport report = awaitOutcome(restarter, RestartOutcome.SUCCEEDED);
		assertThat(restarter.state()).isEqualTo(RestartState.DRAINING);
		assertThat(report.childPid()).isEqualTo(child.pid());
		assertThat(report.readyAfterMillis()).isNotNegative();
		assertThat(report.release()).isEqualTo(this.os.release);
		assertThat(this.os.calls).containsExactly("manager restarting", "spawn [server=fd 3 (127.0.0.1:8080)]",
				"manager childStarted " + child.pid(), "manager replacedBy " + child.pid() + " generation 2",
				"stopAccepting");
		assertThat(steps()).containsExactly(Step.REQUESTED, Step.CHILD_STARTED, Step.CHILD_READY, Step.DRAINING);
		assertThat(this.exits).hasValue(1);
		assertThat(child.stopped).isFalse();
	}

	/**
	 * The application hears of the handover (DRAINING) before the long-lived connections
	 * are ended, so that it can say goodbye first; the process exits after.
	 */
	@Test
	void longLivedConnectionsEndAfterTheDrainingEventAndBeforeTheExit() throws Exception {
		List<String> order = new CopyOnWriteArrayList<>();
		Restarter restarter = new Restarter(this.os.spawner, this.os.listeners, this.os.parent, this.os.manager,
				new Restarter.Settings(1, this.readyTimeout, Duration.ofMillis(100)), this.hooks,
				(event) -> order.add("event " + event.step()), () -> order.add("exit"),
				() -> order.add("end long-lived on " + Thread.currentThread().getName()));
		restarter.ready();

		restarter.request(RestartTrigger.SIGNAL);
		this.os.nextChild().becomeReady();

		await().until(() -> order.contains("exit"));
		assertThat(order).containsExactly("event REQUESTED", "event CHILD_STARTED", "event CHILD_READY", "event DRAINING",
				"end long-lived on grace-restart", "exit");
	}

	@Test
	void aFailureToEndLongLivedConnectionsStillExits() throws Exception {
		Restarter restarter = new Restarter(this.os.spawner, this.os.listeners, this.os.parent, this.os.manager,
				new Restarter.Settings(1, this.readyTimeout, Duration.ofMillis(100)), this.hooks, this.events::add,
				this.exits::incrementAndGet, () -> {
					throw new IllegalStateException("WebSocket container gone");
				});
		restarter.ready();

		restarter.request(RestartTrigger.SIGNAL);
		this.os.nextChild().becomeReady();

		await().until(() -> this.exits.get() == 1);
		assertThat(restarter.state()).isEqualTo(RestartState.DRAINING);
	}

	@Test
	void userCodeNeverRunsOnTheSignalThread() throws Exception {
		List<String> hookThreads = new CopyOnWriteArrayList<>();
		this.hooks.add(() -> hookThreads.add(Thread.currentThread().getName()));
		Restarter restarter = serving();
		Thread signalThread = new Thread(restarter::signal, "SIGUSR2 handler");

		signalThread.start();
		signalThread.join(1000);

		this.os.nextChild().becomeReady();
		awaitOutcome(restarter, RestartOutcome.SUCCEEDED);
		assertThat(hookThreads).containsExactly("grace-restart");
		assertThat(this.eventThreads).containsOnly("grace-restart");
	}

	@Test
	void aVetoCancelsTheRestartBeforeAnythingIsSpawned() {
		this.hooks.add(() -> {
			throw new IllegalStateException("maintenance");
		});
		Restarter restarter = serving();

		restarter.request(RestartTrigger.SIGNAL);

		RestartReport report = awaitOutcome(restarter, RestartOutcome.FAILED);
		assertThat(report.reason()).startsWith("cancelled by ").endsWith(": maintenance");
		assertThat(restarter.state()).isEqualTo(RestartState.SERVING);
		assertThat(this.os.calls).containsExactly("manager restarting", "manager restartFailed");
		assertThat(steps()).containsExactly(Step.REQUESTED, Step.FAILED);
	}

	@Test
	void managersCountAFailedRestartBeforeTheStatusShowsIt() {
		this.hooks.add(() -> {
			throw new IllegalStateException("maintenance");
		});
		Restarter restarter = serving();
		List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
		this.os.onRestartFailed = () -> seen.add(restarter.state() + " " + restarter.lastRestart().outcome());

		restarter.request(RestartTrigger.SIGNAL);

		awaitOutcome(restarter, RestartOutcome.FAILED);
		// a metric read by whoever sees the failure in the status already counts it
		assertThat(seen).containsExactly("RESTARTING IN_PROGRESS");
	}

	@Test
	void aReleaseThatIsGoneFailsTheRestartBeforeAnythingIsSpawnedAndTheNextOneWorks() throws Exception {
		String gone = "working directory /srv/app/current -> releases/3 does not exist (a removed release?)";
		this.os.releaseRefusal = new RestartRefusedException(gone);
		Restarter restarter = serving();

		restarter.request(RestartTrigger.SIGNAL);

		RestartReport report = awaitOutcome(restarter, RestartOutcome.FAILED);
		assertThat(report.reason()).isEqualTo(gone);
		assertThat(report.release()).isNull();
		assertThat(report.childPid()).isEqualTo(-1);
		assertThat(restarter.state()).isEqualTo(RestartState.SERVING);
		assertThat(this.os.calls).containsExactly("manager restarting", "manager restartFailed");
		assertThat(steps()).containsExactly(Step.REQUESTED, Step.FAILED);
		assertThat(this.events.get(1).reason()).isEqualTo(gone);
		this.os.releaseRefusal = null;
		this.events.clear();
		restarter.request(RestartTrigger.SIGNAL);
		this.os.nextChild().becomeReady();
		assertThat(awaitOutcome(restarter, RestartOutcome.SUCCEEDED).release()).isEqualTo(this.os.release);
		assertThat(this.exits).hasValue(1);
	}

	@Test
	void withoutRoomARequestIsRefusedAtOnceAndShownAsRefused() {
		String noRoom = "not enough memory for a new process: the memory limit of 250 MiB (cgroup /app) leaves "
				+ "105 MiB, a new process needs about 145 MiB (this process's resident size × grace.memory-headroom 1.0)";
		this.os.noRoom = new RestartRefusedException(noRoom);
		Restarter restarter = serving();

		assertThatExceptionOfType(RestartRefusedException.class)
			.isThrownBy(() -> restarter.request(RestartTrigger.ACTUATOR))
			.withMessage(noRoom);

		assertThat(restarter.state()).isEqualTo(RestartState.SERVING);
		RestartReport report = restarter.lastRestart();
		assertThat(report.outcome()).isEqualTo(RestartOutcome.REFUSED);
		assertThat(report.trigger()).isEqualTo(RestartTrigger.ACTUATOR);
		assertThat(report.reason()).isEqualTo(noRoom);
		assertThat(report.childPid()).isEqualTo(-1);
		assertThat(report.release()).isNull();
		await().until(() -> !this.events.isEmpty());
		assertThat(this.events).containsExactly(new RestartEvent(Step.REFUSED, -1, noRoom));
		assertThat(this.eventThreads).containsExactly("grace-restart");
		assertThat(this.os.calls).as("nothing started, nobody told of a restart").isEmpty();
	}

	@Test
	void withoutRoomASignalIsIgnoredAndOnceThereIsRoomTheRestartRuns() throws Exception {
		this.os.noRoom = new RestartRefusedException("not enough memory for a new process");
		Restarter restarter = serving();
		Thread signalThread = new Thread(restarter::signal, "SIGUSR2 handler");

		signalThread.start();
		signalThread.join(1000);

		assertThat(restarter.lastRestart().outcome()).isEqualTo(RestartOutcome.REFUSED);
		assertThat(restarter.lastRestart().trigger()).isEqualTo(RestartTrigger.SIGNAL);
		await().until(() -> steps().equals(List.of(Step.REFUSED)));
		assertThat(this.eventThreads).containsOnly("grace-restart");
		this.os.noRoom = null;
		this.events.clear();
		restarter.signal();
		this.os.nextChild().becomeReady();
		RestartReport report = awaitOutcome(restarter, RestartOutcome.SUCCEEDED);
		assertThat(report.reason()).isNull();
		assertThat(steps()).containsExactly(Step.REQUESTED, Step.CHILD_STARTED, Step.CHILD_READY, Step.DRAINING);
	}

	@Test
	void aRestartUnderWayIsReportedRatherThanTheRoom() throws Exception {
		Restarter restarter = serving();
		restarter.request(RestartTrigger.SIGNAL);
		FakeChild child = this.os.nextChild();
		await().until(() -> restarter.lastRestart().childPid() == child.pid());
		this.os.noRoom = new RestartRefusedException("not enough memory for a new process");

		assertThatExceptionOfType(RestartRefusedException.class)
			.isThrownBy(() -> restarter.request(RestartTrigger.ACTUATOR))
			.withMessage("a restart is in progress (child pid " + child.pid() + ")");

		assertThat(restarter.lastRestart().outcome()).isEqualTo(RestartOutcome.IN_PROGRESS);
		child.becomeReady();
		awaitOutcome(restarter, RestartOutcome.SUCCEEDED);
		assertThat(steps()).doesNotContain(Step.REFUSED);
	}

	@Test
	void aRoomCheckThatBreaksDoesNotStopTheRestart() throws Exception {
		this.os.noRoom = new IllegalStateException("cannot parse memory.max");
		Restarter restarter = serving();

		restarter.request(RestartTrigger.SIGNAL);

		this.os.nextChild().becomeReady();
		awaitOutcome(restarter, RestartOutcome.SUCCEEDED);
	}

	@Test
	void aSpawnErrorLeavesTheProcessServing() {
		this.os.spawnFailure = new IllegalStateException("posix_spawnp failed");
		Restarter restarter = serving();

		restarter.request(RestartTrigger.SIGNAL);

		RestartReport report = awaitOutcome(restarter, RestartOutcome.FAILED);
		assertThat(report.reason()).contains("could not start the new process", "posix_spawnp failed");
		assertThat(report.release()).as("what it tried to run").isEqualTo(this.os.release);
		assertThat(restarter.state()).isEqualTo(RestartState.SERVING);
		assertThat(this.exits).hasValue(0);
	}

	@Test
	void aChildThatExitsBeforeReadyFailsTheRestartAndTheNextOneWorks() throws Exception {
		Restarter restarter = serving();
		restarter.request(RestartTrigger.SIGNAL);
		FakeChild broken = this.os.nextChild();

		broken.exit(1);

		RestartReport report = awaitOutcome(restarter, RestartOutcome.FAILED);
		assertThat(report.reason())
			.isEqualTo("child pid " + broken.pid() + " exited before it was ready (exit code 1); see its log above");
		assertThat(restarter.state()).isEqualTo(RestartState.SERVING);
		this.events.clear();
		restarter.request(RestartTrigger.ACTUATOR);
		this.os.nextChild().becomeReady();
		awaitOutcome(restarter, RestartOutcome.SUCCEEDED);
		assertThat(this.exits).hasValue(1);
	}

	@Test
	void aChildNotReadyInTimeIsStoppedAndTheProcessServesOn() throws Exception {
		this.readyTimeout = Duration.ofMillis(100);
		Restarter restarter = serving();
		restarter.request(RestartTrigger.SIGNAL);
		FakeChild slow = this.os.nextChild();

		RestartReport report = awaitOutcome(restarter, RestartOutcome.FAILED);

		assertThat(slow.stopped).isTrue();
		assertThat(report.reason()).isEqualTo("child pid " + slow.pid()
				+ " was not ready within 0.1 s (grace.ready-timeout); stopped it (killed by signal 15)");
		assertThat(restarter.state()).isEqualTo(RestartState.SERVING);
	}

	@Test
	void aChildThatExitsRightAfterSayingReadyFailsTheRestart() throws Exception {
		Restarter restarter = serving();
		restarter.request(RestartTrigger.SIGNAL);
		FakeChild child = this.os.nextChild();

		child.exit(0);
		child.becomeReady();

		RestartReport report = awaitOutcome(restarter, RestartOutcome.FAILED);
		assertThat(report.reason()).contains("child pid " + child.pid() + " exited");
		assertThat(restarter.state()).isEqualTo(RestartState.SERVING);
		assertThat(this.os.calls).doesNotContain("stopAccepting");
		assertThat(this.exits).hasValue(0);
	}

	@Test
	void aSecondRequestIsRefusedWhileOneRuns() throws Exception {
		Restarter restarter = serving();
		restarter.request(RestartTrigger.SIGNAL);
		FakeChild child = this.os.nextChild();
		await().until(() -> restarter.lastRestart().childPid() == child.pid());

		assertThatExceptionOfType(RestartRefusedException.class)
			.isThrownBy(() -> restarter.request(RestartTrigger.ACTUATOR))
			.withMessage("a restart is in progress (child pid " + child.pid() + ")");
		restarter.signal();

		assertThat(this.os.spawned).isEmpty();
		child.becomeReady();
		awaitOutcome(restarter, RestartOutcome.SUCCEEDED);
		assertThat(this.os.calls.stream().filter((call) -> call.startsWith("spawn"))).hasSize(1);
	}

	@Test
	void aSignalWhileDrainingIsIgnored() throws Exception {
		Restarter restarter = serving();
		restarter.request(RestartTrigger.SIGNAL);
		this.os.nextChild().becomeReady();
		awaitOutcome(restarter, RestartOutcome.SUCCEEDED);

		restarter.signal();

		assertThatExceptionOfType(RestartRefusedException.class)
			.isThrownBy(() -> restarter.request(RestartTrigger.ACTUATOR))
			.withMessage("this process is draining: the new process serves");
		assertThat(this.os.spawned).isEmpty();
		assertThat(restarter.state()).isEqualTo(RestartState.DRAINING);
	}

	@Test
	void stopWhileRestartingStopsTheChildAndNeverHandsOver() throws Exception {
		Restarter restarter = serving();
		restarter.request(RestartTrigger.SIGNAL);
		FakeChild child = this.os.nextChild();
		await().until(() -> restarter.lastRestart().childPid() == child.pid());

		restarter.stop();

		assertThat(child.stopped).isTrue();
		assertThat(restarter.state()).isEqualTo(RestartState.STOPPING);
		awaitOutcome(restarter, RestartOutcome.FAILED);
		child.becomeReady();
		assertThat(restarter.state()).isEqualTo(RestartState.STOPPING);
		assertThat(this.os.calls).doesNotContain("stopAccepting", "manager restartFailed").contains("manager stopping");
		assertThat(this.exits).hasValue(0);
		assertThatExceptionOfType(RestartRefusedException.class)
			.isThrownBy(() -> restarter.request(RestartTrigger.ACTUATOR))
			.withMessage("this process is stopping");
	}

	@Test
	void stopWhileTheChildIsBeingSpawnedStopsItOnceSpawned() throws Exception {
		CountDownLatch hold = new CountDownLatch(1);
		this.os.spawnHold = hold;
		Restarter restarter = serving();
		restarter.request(RestartTrigger.SIGNAL);
		await().until(() -> !this.os.calls.isEmpty());

		restarter.stop();
		hold.countDown();

		FakeChild child = this.os.nextChild();
		RestartReport report = awaitOutcome(restarter, RestartOutcome.FAILED);
		assertThat(child.stopped).isTrue();
		assertThat(report.reason()).isEqualTo("cancelled: this process is STOPPING");
		assertThat(restarter.state()).isEqualTo(RestartState.STOPPING);
		assertThat(this.exits).hasValue(0);
	}

	@Test
	void stopRacingTheTakeOverEitherStopsTheChildOrLetsItServe() throws Exception {
		for (int round = 0; round < 20; round++) {
			FakeOs fresh = new FakeOs();
			AtomicInteger exited = new AtomicInteger();
			Restarter restarter = new Restarter(fresh.spawner, fresh.listeners, fresh.parent, fresh.manager,
					new Restarter.Settings(1, Duration.ofSeconds(5), Duration.ofMillis(100)), List.of(), (event) -> {
					}, exited::incrementAndGet);
			restarter.ready();
			restarter.request(RestartTrigger.SIGNAL);
			FakeChild child = fresh.nextChild();
			await().until(() -> restarter.lastRestart().childPid() == child.pid());

			Thread stop = new Thread(restarter::stop);
			child.becomeReady();
			stop.start();
			stop.join(5000);

			await().until(() -> restarter.lastRestart().outcome() != RestartOutcome.IN_PROGRESS);
			if (restarter.state() == RestartState.DRAINING) {
				assertThat(child.stopped).as("round %d: handed over, child kept", round).isFalse();
				await().untilAtomic(exited, org.hamcrest.Matchers.equalTo(1));
			}
			else {
				assertThat(restarter.state()).isEqualTo(RestartState.STOPPING);
				assertThat(child.stopped).as("round %d: stopped first, child stopped", round).isTrue();
				assertThat(exited).hasValue(0);
			}
		}
	}

	@Test
	void stopWhileStartingMeansTheParentIsNeverTold() {
		Restarter restarter = restarter();

		restarter.stop();
		restarter.ready();

		assertThat(restarter.state()).isEqualTo(RestartState.STOPPING);
		assertThat(this.os.calls).doesNotContain("notifyParent");
		restarter.signal();
		assertThat(this.os.spawned).isEmpty();
	}

	@Test
	void aFailingEventListenerDoesNotStopTheRestart() throws Exception {
		Restarter restarter = new Restarter(this.os.spawner, this.os.listeners, this.os.parent, this.os.manager,
				new Restarter.Settings(1, Duration.ofSeconds(5), Duration.ofMillis(100)), List.of(), (event) -> {
					throw new IllegalStateException("listener bug");
				}, this.exits::incrementAndGet);
		restarter.ready();

		restarter.request(RestartTrigger.SIGNAL);
		this.os.nextChild().becomeReady();

		await().until(() -> restarter.state() == RestartState.DRAINING && this.exits.get() == 1);
	}

	@Test
	void theHistoryCountsWhatBecameOfEachRestartAndTheNextProcessLearnsOfTheOneUnderWay() throws Exception {
		RestartHistory history = RestartHistory.fromEnvironment(Map.of(), false);
		List<Map<String, String>> handedDown = new CopyOnWriteArrayList<>();
		// what the next process would be told, read on the restart's thread as it starts
		Spawner spawner = () -> {
			handedDown.add(history.handDown());
			return this.os.spawner.prepare();
		};
		Restarter restarter = new Restarter(spawner, this.os.listeners, this.os.parent,
				ServiceManager.all(List.of(this.os.manager, history.asServiceManager())),
				new Restarter.Settings(1, this.readyTimeout, Duration.ofMillis(100)), this.hooks, this.events::add,
				this.exits::incrementAndGet);
		restarter.signal();
		restarter.ready();
		FakeChild first = this.os.nextChild();
		await().until(() -> restarter.lastRestart().childPid() == first.pid());

		assertThatExceptionOfType(RestartRefusedException.class)
			.isThrownBy(() -> restarter.request(RestartTrigger.ACTUATOR));
		restarter.signal();
		first.exit(1);
		awaitOutcome(restarter, RestartOutcome.FAILED);

		assertThat(history.count(Outcome.FAILED, RestartTrigger.SIGNAL)).isOne();
		assertThat(history.count(Outcome.REFUSED, RestartTrigger.ACTUATOR)).isOne();
		assertThat(history.count(Outcome.REFUSED, RestartTrigger.SIGNAL)).as("not the one while starting").isOne();
		assertThat(handedDown).singleElement()
			.satisfies((variables) -> assertThat(variables).containsEntry("GRACE_RESTART_TRIGGER", "signal")
				.containsEntry("GRACE_RESTART_REQUESTED_AT",
						Long.toString(restarter.lastRestart().startedAt().toEpochMilli()))
				.containsEntry("GRACE_RESTART_TALLY",
						"duration.count=0,duration.millis=0,drain.count=0,drain.millis=0"));
		this.events.clear();
		restarter.request(RestartTrigger.ACTUATOR);
		this.os.nextChild().becomeReady();
		awaitOutcome(restarter, RestartOutcome.SUCCEEDED);
		assertThat(handedDown.get(1)).containsEntry("GRACE_RESTART_TRIGGER", "actuator")
			.containsEntry("GRACE_RESTART_TALLY", "failed.signal=1,refused.signal=1,refused.actuator=1,"
					+ "duration.count=0,duration.millis=0,drain.count=0,drain.millis=0");
		assertThat(history.count(Outcome.SUCCEEDED, RestartTrigger.ACTUATOR)).as("counted by the new process")
			.isZero();
	}

	@Test
	void aRefusalForWantOfRoomIsCountedLikeAnyOther() {
		RestartHistory history = RestartHistory.fromEnvironment(Map.of(), false);
		Restarter restarter = new Restarter(this.os.spawner, this.os.listeners, this.os.parent,
				ServiceManager.all(List.of(this.os.manager, history.asServiceManager())),
				new Restarter.Settings(1, this.readyTimeout, Duration.ofMillis(100)), this.hooks, this.events::add,
				this.exits::incrementAndGet);
		restarter.ready();
		this.os.noRoom = new RestartRefusedException("not enough memory for a new process");

		assertThatExceptionOfType(RestartRefusedException.class)
			.isThrownBy(() -> restarter.request(RestartTrigger.ACTUATOR));
		restarter.signal();

		assertThat(history.count(Outcome.REFUSED, RestartTrigger.ACTUATOR)).isOne();
		assertThat(history.count(Outcome.REFUSED, RestartTrigger.SIGNAL)).isOne();
		assertThat(history.count(Outcome.FAILED, RestartTrigger.ACTUATOR)).isZero();
	}

	@Test
	void withoutASettingTheChildGetsTenTimesAsLongAsThisProcessTookToBeReady() throws Exception {
		ReadyTimeout timeout = ReadyTimeout.derived(Duration.ofMillis(100));
		Restarter restarter = new Restarter(this.os.spawner, this.os.listeners, this.os.parent, this.os.manager,
				new Restarter.Settings(1, timeout, Duration.ofMillis(100), () -> null), List.of(), this.events::add,
				this.exits::incrementAndGet);
		timeout.startedIn(Duration.ofMillis(60));
		restarter.ready();
		long start = System.nanoTime();
		restarter.request(RestartTrigger.SIGNAL);
		FakeChild slow = this.os.nextChild();

		RestartReport report = awaitOutcome(restarter, RestartOutcome.FAILED);

		assertThat((System.nanoTime() - start) / 1_000_000).as("waited 10 times 60 ms").isGreaterThanOrEqualTo(600);
		assertThat(slow.stopped).isTrue();
		assertThat(report.reason()).isEqualTo("child pid " + slow.pid()
				+ " was not ready within 0.6 s (10 times the 0.1 s this process took to be ready); stopped it"
				+ " (killed by signal 15)");
		assertThat(restarter.readyTimeout()).isSameAs(timeout);
	}

	@Test
	void aChildThatExitsBeforeReadyIsExplainedByWhatThisProcessKnows() throws Exception {
		Restarter restarter = new Restarter(this.os.spawner, this.os.listeners, this.os.parent, this.os.manager,
				new Restarter.Settings(1, ReadyTimeout.configured(Duration.ofSeconds(5)), Duration.ofMillis(100),
						() -> "This process holds the embedded H2 database jdbc:h2:file:/srv/db open"),
				List.of(), this.events::add, this.exits::incrementAndGet);
		restarter.ready();
		restarter.request(RestartTrigger.SIGNAL);
		FakeChild broken = this.os.nextChild();

		broken.exit(1);

		assertThat(awaitOutcome(restarter, RestartOutcome.FAILED).reason()).isEqualTo("child pid " + broken.pid()
				+ " exited before it was ready (exit code 1); see its log above. This process holds the embedded H2"
				+ " database jdbc:h2:file:/srv/db open");
	}

}
