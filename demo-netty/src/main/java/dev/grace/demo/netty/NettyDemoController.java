package dev.grace.demo.netty;

import java.util.Map;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Who is serving, as the other demos say it: all a test needs to see that this
 * application (which restarts cannot reach) keeps serving after a SIGUSR2.
 */
@RestController
class NettyDemoController {

	private final int generation;

	NettyDemoController(@Value("${GRACE_GENERATION:1}") int generation) {
		this.generation = generation;
	}

	@GetMapping(path = "/", produces = MediaType.APPLICATION_JSON_VALUE)
	Map<String, Object> whoami() {
		return Map.of("pid", ProcessHandle.current().pid(), "generation", this.generation);
	}

}
