package dev.grace.demo;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the tests and the benchmark drive: who is serving (and which release: the jar's
 * {@code release.txt}, the working directory's {@code config/application.yml}), a slow
 * request, and an echo whose body can be checked byte for byte.
 */
@RestController
class DemoController {

	private static final long MAX_SLOW_MILLIS = 60_000;

	private final int generation;

	private final String release;

	private final String configRelease;

	private final AtomicInteger slowInFlight = new AtomicInteger();

	DemoController(@Value("${GRACE_GENERATION:1}") int generation,
			@Value("${demo.config-release:none}") String configRelease) throws IOException {
		this.generation = generation;
		this.release = release(new ClassPathResource("release.txt"));
		this.configRelease = configRelease;
	}

	private static String release(Resource resource) throws IOException {
		return resource.exists() ? resource.getContentAsString(StandardCharsets.UTF_8).trim() : "dev";
	}

	@GetMapping(path = "/", produces = MediaType.APPLICATION_JSON_VALUE)
	Map<String, Object> whoami() {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("pid", ProcessHandle.current().pid());
		body.put("generation", this.generation);
		body.put("release", this.release);
		body.put("configRelease", this.configRelease);
		body.put("started", Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()).toString());
		body.put("slowInFlight", this.slowInFlight.get());
		return body;
	}

	@GetMapping(path = "/slow", produces = MediaType.APPLICATION_JSON_VALUE)
	Map<String, Object> slow(@RequestParam(defaultValue = "1000") long ms) throws InterruptedException {
		this.slowInFlight.incrementAndGet();
		try {
			Thread.sleep(Math.max(0, Math.min(ms, MAX_SLOW_MILLIS)));
		}
		finally {
			this.slowInFlight.decrementAndGet();
		}
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("pid", ProcessHandle.current().pid());
		body.put("sleptMs", ms);
		return body;
	}

	@PostMapping(path = "/echo", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
	byte[] echo(@RequestBody(required = false) byte[] body) {
		return (body != null) ? body : new byte[0];
	}

}
