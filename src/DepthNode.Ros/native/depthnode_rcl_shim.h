// Serialized publish and take on rcl handles that rcldotnet owns.
//
// rcldotnet only offers typed messages whose uint8[] fields cross into native code one element per call (about
// 1.4 M calls for one 1242x375 rgb8 image). The node's core already reads and writes CDR, so the heavy topics skip the
// typed path: publishers are created by rcldotnet (which keeps their lifetime) and published through
// dn_publish_serialized on their rcl_publisher_t; subscriptions are created here on rcldotnet's rcl_node_t and taken
// serialized on a wait set of our own, because rcldotnet's executor would take them typed. Compiling against the
// real rcl headers keeps the struct layouts (rcl_serialized_message_t, rmw_qos_profile_t) out of the C# code.
#ifndef DEPTHNODE_RCL_SHIM_H_
#define DEPTHNODE_RCL_SHIM_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DN_EXPORT __attribute__((visibility("default")))

// Return codes are rcl_ret_t values: 0 ok, 2 timeout (dn_wait), 401 nothing to take (dn_take), others errors.
typedef struct dn_subscription dn_subscription;
typedef struct dn_waiter dn_waiter;

// QoS fields use the rmw enum values: history 1 keep_last / 2 keep_all, reliability 1 reliable / 2 best_effort,
// durability 1 transient_local / 2 volatile (0 = the middleware's default for each).
DN_EXPORT int32_t dn_subscription_create(
  void * rcl_node, const void * type_support, const char * topic,
  int32_t history, int32_t depth, int32_t reliability, int32_t durability,
  dn_subscription ** out);
DN_EXPORT int32_t dn_subscription_destroy(dn_subscription * subscription, void * rcl_node);

// The message stays valid until the next take on the same subscription (its buffer is reused and grown as needed).
// received_ns is the middleware's receive stamp (0 when it has none).
DN_EXPORT int32_t dn_take(
  dn_subscription * subscription, const uint8_t ** data, size_t * length, int64_t * received_ns);

// Publishers and subscriptions whose other side is not there yet are the usual cause of a silent node.
DN_EXPORT int32_t dn_subscription_publisher_count(const dn_subscription * subscription, size_t * count);

// The names rcl connected to, after namespace expansion and --ros-args remapping (logged at start).
DN_EXPORT const char * dn_subscription_topic_name(const dn_subscription * subscription);
DN_EXPORT const char * dn_publisher_topic_name(const void * rcl_publisher);

// One wait set over `capacity` subscriptions, waited on by one thread.
DN_EXPORT int32_t dn_waiter_create(void * rcl_node, size_t capacity, dn_waiter ** out);
DN_EXPORT int32_t dn_waiter_destroy(dn_waiter * waiter);
// Waits up to timeout_ns for any of `count` subscriptions; ready[i] is set to 1 for each that has data.
DN_EXPORT int32_t dn_wait(
  dn_waiter * waiter, dn_subscription * const * subscriptions, size_t count, int64_t timeout_ns, uint8_t * ready);

// rcl_publisher: the rcl_publisher_t* behind an rcldotnet Publisher<T>. The bytes are CDR with their 4-byte
// encapsulation header, as rmw_serialize writes them; nothing is copied on our side.
DN_EXPORT int32_t dn_publish_serialized(const void * rcl_publisher, const uint8_t * data, size_t length);
DN_EXPORT int32_t dn_publisher_subscription_count(const void * rcl_publisher, size_t * count);

// The last rcl error on this thread (then reset), copied into buffer; returns the length written.
DN_EXPORT size_t dn_last_error(char * buffer, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif  // DEPTHNODE_RCL_SHIM_H_
