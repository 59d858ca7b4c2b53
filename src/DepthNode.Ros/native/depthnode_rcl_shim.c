// See depthnode_rcl_shim.h for why this exists. Every function is a thin rcl call; no state beyond the handles.
#include "depthnode_rcl_shim.h"

#include <stdlib.h>
#include <string.h>

#include "rcl/error_handling.h"
#include "rcl/node.h"
#include "rcl/publisher.h"
#include "rcl/subscription.h"
#include "rcl/wait.h"
#include "rmw/serialized_message.h"
#include "rmw/types.h"

struct dn_subscription
{
  rcl_subscription_t handle;
  rcl_serialized_message_t message;  // reused by every take, grown by the middleware when a bigger message arrives
};

struct dn_waiter
{
  rcl_wait_set_t wait_set;
};

int32_t dn_subscription_create(
  void * rcl_node, const void * type_support, const char * topic,
  int32_t history, int32_t depth, int32_t reliability, int32_t durability,
  dn_subscription ** out)
{
  if (!rcl_node || !type_support || !topic || !out || depth < 0) {
    return RCL_RET_INVALID_ARGUMENT;
  }
  dn_subscription * s = (dn_subscription *)calloc(1, sizeof(dn_subscription));
  if (!s) {
    return RCL_RET_BAD_ALLOC;
  }
  s->handle = rcl_get_zero_initialized_subscription();
  rcl_subscription_options_t options = rcl_subscription_get_default_options();
  options.qos.history = (rmw_qos_history_policy_t)history;
  options.qos.depth = (size_t)depth;
  options.qos.reliability = (rmw_qos_reliability_policy_t)reliability;
  options.qos.durability = (rmw_qos_durability_policy_t)durability;
  rcl_ret_t ret = rcl_subscription_init(
    &s->handle, (const rcl_node_t *)rcl_node, (const rosidl_message_type_support_t *)type_support, topic, &options);
  if (ret != RCL_RET_OK) {
    free(s);
    return ret;
  }
  s->message = rmw_get_zero_initialized_serialized_message();
  rcutils_allocator_t allocator = rcutils_get_default_allocator();
  ret = rmw_serialized_message_init(&s->message, 0, &allocator);
  if (ret != RCL_RET_OK) {
    (void)rcl_subscription_fini(&s->handle, (rcl_node_t *)rcl_node);
    free(s);
    return ret;
  }
  *out = s;
  return RCL_RET_OK;
}

int32_t dn_subscription_destroy(dn_subscription * subscription, void * rcl_node)
{
  if (!subscription) {
    return RCL_RET_OK;
  }
  rcl_ret_t ret = rcl_subscription_fini(&subscription->handle, (rcl_node_t *)rcl_node);
  (void)rmw_serialized_message_fini(&subscription->message);
  free(subscription);
  return ret;
}

int32_t dn_take(
  dn_subscription * subscription, const uint8_t ** data, size_t * length, int64_t * received_ns)
{
  if (!subscription || !data || !length || !received_ns) {
    return RCL_RET_INVALID_ARGUMENT;
  }
  rmw_message_info_t info = rmw_get_zero_initialized_message_info();
  rcl_ret_t ret = rcl_take_serialized_message(&subscription->handle, &subscription->message, &info, NULL);
  if (ret != RCL_RET_OK) {
    return ret;
  }
  *data = subscription->message.buffer;
  *length = subscription->message.buffer_length;
  *received_ns = info.received_timestamp;
  return RCL_RET_OK;
}

int32_t dn_subscription_publisher_count(const dn_subscription * subscription, size_t * count)
{
  if (!subscription) {
    return RCL_RET_INVALID_ARGUMENT;
  }
  return rcl_subscription_get_publisher_count(&subscription->handle, count);
}

const char * dn_subscription_topic_name(const dn_subscription * subscription)
{
  return subscription ? rcl_subscription_get_topic_name(&subscription->handle) : NULL;
}

const char * dn_publisher_topic_name(const void * rcl_publisher)
{
  return rcl_publisher ? rcl_publisher_get_topic_name((const rcl_publisher_t *)rcl_publisher) : NULL;
}

int32_t dn_waiter_create(void * rcl_node, size_t capacity, dn_waiter ** out)
{
  if (!rcl_node || !out) {
    return RCL_RET_INVALID_ARGUMENT;
  }
  dn_waiter * w = (dn_waiter *)calloc(1, sizeof(dn_waiter));
  if (!w) {
    return RCL_RET_BAD_ALLOC;
  }
  w->wait_set = rcl_get_zero_initialized_wait_set();
  rcl_ret_t ret = rcl_wait_set_init(
    &w->wait_set, capacity, 0, 0, 0, 0, 0, ((rcl_node_t *)rcl_node)->context, rcl_get_default_allocator());
  if (ret != RCL_RET_OK) {
    free(w);
    return ret;
  }
  *out = w;
  return RCL_RET_OK;
}

int32_t dn_waiter_destroy(dn_waiter * waiter)
{
  if (!waiter) {
    return RCL_RET_OK;
  }
  rcl_ret_t ret = rcl_wait_set_fini(&waiter->wait_set);
  free(waiter);
  return ret;
}

int32_t dn_wait(
  dn_waiter * waiter, dn_subscription * const * subscriptions, size_t count, int64_t timeout_ns, uint8_t * ready)
{
  if (!waiter || (count > 0 && (!subscriptions || !ready))) {
    return RCL_RET_INVALID_ARGUMENT;
  }
  rcl_ret_t ret = rcl_wait_set_clear(&waiter->wait_set);
  for (size_t i = 0; ret == RCL_RET_OK && i < count; ++i) {
    ret = rcl_wait_set_add_subscription(&waiter->wait_set, &subscriptions[i]->handle, NULL);
  }
  if (ret != RCL_RET_OK) {
    return ret;
  }
  ret = rcl_wait(&waiter->wait_set, timeout_ns);
  // rcl_wait leaves the entries that have data and sets the others to NULL; they were added in order.
  for (size_t i = 0; i < count; ++i) {
    ready[i] = (uint8_t)(ret == RCL_RET_OK && waiter->wait_set.subscriptions[i] != NULL);
  }
  return ret;
}

int32_t dn_publish_serialized(const void * rcl_publisher, const uint8_t * data, size_t length)
{
  if (!rcl_publisher || (!data && length > 0)) {
    return RCL_RET_INVALID_ARGUMENT;
  }
  // A view of the caller's bytes: rcl reads the buffer during the call and never frees or grows it.
  rcl_serialized_message_t message = rmw_get_zero_initialized_serialized_message();
  message.buffer = (uint8_t *)data;
  message.buffer_length = length;
  message.buffer_capacity = length;
  message.allocator = rcutils_get_default_allocator();
  return rcl_publish_serialized_message((const rcl_publisher_t *)rcl_publisher, &message, NULL);
}

int32_t dn_publisher_subscription_count(const void * rcl_publisher, size_t * count)
{
  if (!rcl_publisher) {
    return RCL_RET_INVALID_ARGUMENT;
  }
  return rcl_publisher_get_subscription_count((const rcl_publisher_t *)rcl_publisher, count);
}

size_t dn_last_error(char * buffer, size_t capacity)
{
  if (!buffer || capacity == 0) {
    return 0;
  }
  rcutils_error_string_t error = rcl_get_error_string();  // a copy: the thread's error state may change afterwards
  const char * text = rcl_error_is_set() ? error.str : "";
  size_t n = strlen(text);
  if (n >= capacity) {
    n = capacity - 1;
  }
  memcpy(buffer, text, n);
  buffer[n] = '\0';
  rcl_reset_error();
  return n;
}
