package dev.grace.demo;

import java.time.Duration;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

/**
 * Startup trouble on demand, to show that a restart into a broken or slow application
 * leaves the serving one untouched: {@code demo.fail-on-start=true} fails the start
 * after the web server is up, {@code demo.start-delay=30s} holds it back like a slow
 * dependency would.
 */
@Component
class StartupFaults implements ApplicationRunner {

	private final boolean failOnStart;

	private final Duration startDelay;

	StartupFaults(@Value("${demo.fail-on-start:false}") boolean failOnStart,
			@Value("${demo.start-delay:0s}") Duration startDelay) {
		this.failOnStart = failOnStart;
		this.startDelay = startDelay;
	}

	@Override
	public void run(ApplicationArguments args) throws InterruptedException {
		Thread.sleep(this.startDelay.toMillis());
		if (this.failOnStart) {
			throw new IllegalStateException("demo.fail-on-start is set: failing on purpose");
		}
	}

}
