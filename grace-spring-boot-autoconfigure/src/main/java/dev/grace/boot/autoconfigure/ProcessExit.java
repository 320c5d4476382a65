package dev.grace.boot.autoconfigure;

import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Ends this process the Spring Boot way: close the context (its graceful shutdown phase
 * drains the web server) and exit with the exit code the context reports, 0 unless an
 * {@code ExitCodeGenerator} says otherwise. Runs on its own thread so that a signal
 * handler or the restart worker returns at once.
 */
class ProcessExit {

	private static final Log logger = LogFactory.getLog(ProcessExit.class);

	private final ConfigurableApplicationContext context;

	private final AtomicBoolean started = new AtomicBoolean();

	ProcessExit(ConfigurableApplicationContext context) {
		this.context = context;
	}

	void exit(String why, Runnable first) {
		if (!this.started.compareAndSet(false, true)) {
			logger.info("Already exiting; ignoring " + why);
			return;
		}
		Thread thread = new Thread(() -> {
			logger.info("Exiting gracefully: " + why);
			first.run();
			System.exit(SpringApplication.exit(this.context, () -> 0));
		}, "grace-exit");
		thread.setDaemon(false);
		thread.start();
	}

}
