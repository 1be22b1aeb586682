/**
 * containerd's Sandbox Controller: the gRPC service, and the pods it manages with their life cycle
 * (create, start, stop, wait, shutdown), persistence and re-attachment after a sandboxer restart. Each pod has its
 * own lock; nothing serializes different pods.
 */
package io.stockade.sandboxer.controller;
