package dev.grace.demo;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.event.EventListener;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.grace.boot.restart.RestartEvent;

/**
 * Requests that outlive an ordinary one: a server-sent event stream that never ends by
 * itself ({@code /sse}: the pid first, then a tick every 500 ms) and a long poll
 * answered after {@code ms} ({@code /poll}). At the handover the stream says goodbye
 * with a last event and a short {@code retry:}, the way an application uses the notice
 * the starter gives it; the starter then ends the stream.
 */
@RestController
class LongLivedController implements DisposableBean {

	private static final long MAX_POLL_MILLIS = 60_000;

	private final long pid = ProcessHandle.current().pid();

	private final Set<SseEmitter> streams = ConcurrentHashMap.newKeySet();

	private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor((task) -> {
		Thread thread = new Thread(task, "demo-long-lived");
		thread.setDaemon(true);
		return thread;
	});

	LongLivedController() {
		this.scheduler.scheduleAtFixedRate(() -> sendToAll(SseEmitter.event().name("tick").data(this.pid)), 500, 500,
				TimeUnit.MILLISECONDS);
	}

	@GetMapping("/sse")
	SseEmitter sse() throws IOException {
		SseEmitter emitter = new SseEmitter(0L);
		emitter.onCompletion(() -> this.streams.remove(emitter));
		emitter.onError((ex) -> this.streams.remove(emitter));
		emitter.onTimeout(() -> this.streams.remove(emitter));
		emitter.send(SseEmitter.event().name("pid").data(this.pid));
		this.streams.add(emitter);
		return emitter;
	}

	@GetMapping("/poll")
	DeferredResult<Map<String, Object>> poll(@RequestParam(defaultValue = "1000") long ms) {
		DeferredResult<Map<String, Object>> result = new DeferredResult<>(MAX_POLL_MILLIS + 1000);
		long waited = Math.max(0, Math.min(ms, MAX_POLL_MILLIS));
		this.scheduler.schedule(() -> result.setResult(Map.of("pid", this.pid, "waitedMs", waited)), waited,
				TimeUnit.MILLISECONDS);
		return result;
	}

	@EventListener
	void onRestartStep(RestartEvent event) {
		if (event.step() == RestartEvent.Step.DRAINING) {
			sendToAll(SseEmitter.event().name("handover").data(event.childPid()).reconnectTime(100));
			// said goodbye: the starter ends them after its notice
			this.streams.clear();
		}
	}

	private void sendToAll(SseEmitter.SseEventBuilder event) {
		for (SseEmitter emitter : this.streams) {
			try {
				emitter.send(event);
			}
			catch (IOException | IllegalStateException ex) {
				this.streams.remove(emitter);
			}
		}
	}

	@Override
	public void destroy() {
		this.scheduler.shutdownNow();
	}

}
