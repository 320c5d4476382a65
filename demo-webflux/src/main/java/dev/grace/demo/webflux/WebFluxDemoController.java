package dev.grace.demo.webflux;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the servlet demo serves, the reactive way, so that the same tests drive both:
 * who is serving, a slow request that holds no thread, and an echo whose body can be
 * checked byte for byte.
 */
@RestController
class WebFluxDemoController {

	private static final long MAX_SLOW_MILLIS = 60_000;

	private final int generation;

	private final AtomicInteger slowInFlight = new AtomicInteger();

	WebFluxDemoController(@Value("${GRACE_GENERATION:1}") int generation) {
		this.generation = generation;
	}

	// a stream that never ends by itself: the pid first, then a tick every 500 ms
	@GetMapping(path = "/sse", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
	Flux<ServerSentEvent<Long>> sse() {
		long pid = ProcessHandle.current().pid();
		return Flux.concat(Flux.just(ServerSentEvent.builder(pid).event("pid").build()),
				Flux.interval(Duration.ofMillis(500)).map((tick) -> ServerSentEvent.builder(pid).event("tick").build()));
	}

	@GetMapping(path = "/", produces = MediaType.APPLICATION_JSON_VALUE)
	Map<String, Object> whoami() {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("pid", ProcessHandle.current().pid());
		body.put("generation", this.generation);
		body.put("started", Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()).toString());
		body.put("slowInFlight", this.slowInFlight.get());
		return body;
	}

	@GetMapping(path = "/slow", produces = MediaType.APPLICATION_JSON_VALUE)
	Mono<Map<String, Object>> slow(@RequestParam(defaultValue = "1000") long ms) {
		return Mono.delay(Duration.ofMillis(Math.max(0, Math.min(ms, MAX_SLOW_MILLIS))))
			.doOnSubscribe((subscription) -> this.slowInFlight.incrementAndGet())
			.doFinally((signal) -> this.slowInFlight.decrementAndGet())
			.map((tick) -> {
				Map<String, Object> body = new LinkedHashMap<>();
				body.put("pid", ProcessHandle.current().pid());
				body.put("sleptMs", ms);
				return body;
			});
	}

	@PostMapping(path = "/echo", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	Mono<byte[]> echo(@RequestBody(required = false) Mono<byte[]> body) {
		return body.defaultIfEmpty(new byte[0]);
	}

}
