package dev.grace.boot.autoconfigure;

import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;

import dev.grace.boot.internal.Drain;

/**
 * Ends the {@link Drain} once the web server has stopped: its lifecycle stops after the
 * web server's graceful shutdown and after the web server itself, the one that waits
 * for every connection.
 */
class DrainLifecycle implements SmartLifecycle {

	// below the web server's start-stop phase (the graceful shutdown's minus 1024)
	static final int PHASE = WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE - 2048;

	private final Drain drain;

	private volatile boolean running;

	DrainLifecycle(Drain drain) {
		this.drain = drain;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		this.drain.finish();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
