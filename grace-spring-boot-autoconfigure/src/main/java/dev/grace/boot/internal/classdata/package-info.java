/**
 * Class data for the next process: a cache of the classes an application loads while it
 * starts (the AOT cache on JDK 25 and later, a dynamic CDS archive before), keyed by what
 * it was made from, trained by a side run of the same command and given to the next
 * process. Internal: not an API.
 */
@NullMarked
package dev.grace.boot.internal.classdata;

import org.jspecify.annotations.NullMarked;
