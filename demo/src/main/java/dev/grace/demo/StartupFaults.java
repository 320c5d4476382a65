package dev.grace.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * Startup trouble on demand, to show that a restart into a broken or slow application
 * leaves the serving one untouched: {@code demo.fail-on-start=true} fails the start
 * after the web server is up, {@code demo.start-delay=30s} holds it back like a slow
 * dependency would, {@code demo.allocate-on-start=128MB} fills that much heap before it
 * is ready, like a cache warmed at startup (a memory spike during a restart).
 */
@Component
class StartupFaults implements ApplicationRunner {

	private final boolean failOnStart;

	private final Duration startDelay;

	private final DataSize allocateOnStart;

	// kept for the application's life, like the cache it stands for
	private final List<byte[]> allocated = new ArrayList<>();

	StartupFaults(@Value("${demo.fail-on-start:false}") boolean failOnStart,
			@Value("${demo.start-delay:0s}") Duration startDelay,
			@Value("${demo.allocate-on-start:0B}") DataSize allocateOnStart) {
		this.failOnStart = failOnStart;
		this.startDelay = startDelay;
		this.allocateOnStart = allocateOnStart;
	}

	@Override
	public void run(ApplicationArguments args) throws InterruptedException {
		allocate(this.allocateOnStart.toBytes());
		Thread.sleep(this.startDelay.toMillis());
		if (this.failOnStart) {
			throw new IllegalStateException("demo.fail-on-start is set: failing on purpose");
		}
	}

	// in chunks (no one huge contiguous object), every page written so that it is resident
	private void allocate(long bytes) {
		int chunk = 8 * 1024 * 1024;
		for (long left = bytes; left > 0; left -= chunk) {
			byte[] block = new byte[(int) Math.min(chunk, left)];
			for (int i = 0; i < block.length; i += 4096) {
				block[i] = 1;
			}
			this.allocated.add(block);
		}
	}

}
