package dev.grace.boot.internal;

import java.util.List;

/**
 * Starts the next process of this application with the listening sockets handed down.
 */
public interface Spawner {

	/**
	 * Starts the next process.
	 * @param sockets the listening sockets to hand down, in order
	 * @return the running child
	 * @throws Exception when it cannot be started; nothing is left running then
	 */
	SpawnedChild spawn(List<NamedSocket> sockets) throws Exception;

}
