// The first thing the ROS image builds and runs: a sensor_msgs/Image serialized by rmw, published through
// dn_publish_serialized, taken back through dn_wait/dn_take on the same node, must come back byte for byte.
// Sizes go big, small, big so the reused take buffer is seen to grow and shrink. Exit 0 only when all are equal.
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "depthnode_rcl_shim.h"
#include "rcl/error_handling.h"
#include "rcl/rcl.h"
#include "rmw/rmw.h"
#include "rmw/serialized_message.h"
#include "rosidl_runtime_c/string_functions.h"
#include "rosidl_runtime_c/primitives_sequence_functions.h"
#include "sensor_msgs/msg/image.h"

#define FAIL(...) do { fprintf(stderr, "shim loopback: " __VA_ARGS__); fprintf(stderr, "\n"); return 1; } while (0)

static void sleep_ms(long ms)
{
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

// A KITTI-sized rgb8 frame (or a tiny mono8 one) with a pattern that no off-by-one copy reproduces.
static int serialize_image(
  uint32_t width, uint32_t height, const char * encoding, uint32_t channels, rcl_serialized_message_t * out)
{
  const rosidl_message_type_support_t * ts = ROSIDL_GET_MSG_TYPE_SUPPORT(sensor_msgs, msg, Image);
  sensor_msgs__msg__Image image;
  if (!sensor_msgs__msg__Image__init(&image)) return 0;
  image.header.stamp.sec = 1234;
  image.header.stamp.nanosec = 567890;
  rosidl_runtime_c__String__assign(&image.header.frame_id, "camera_optical_frame");
  rosidl_runtime_c__String__assign(&image.encoding, encoding);
  image.width = width;
  image.height = height;
  image.step = width * channels;
  size_t size = (size_t)image.step * height;
  rosidl_runtime_c__uint8__Sequence__init(&image.data, size);
  for (size_t i = 0; i < size; ++i) image.data.data[i] = (uint8_t)((i * 31u + 7u) ^ (i >> 11));
  rmw_ret_t ret = rmw_serialize(&image, ts, out);
  sensor_msgs__msg__Image__fini(&image);
  return ret == RMW_RET_OK;
}

int main(void)
{
  rcl_context_t context = rcl_get_zero_initialized_context();
  rcl_init_options_t init_options = rcl_get_zero_initialized_init_options();
  if (rcl_init_options_init(&init_options, rcl_get_default_allocator()) != RCL_RET_OK ||
    rcl_init(0, NULL, &init_options, &context) != RCL_RET_OK)
  {
    FAIL("rcl_init failed: %s", rcl_get_error_string().str);
  }
  rcl_node_t node = rcl_get_zero_initialized_node();
  rcl_node_options_t node_options = rcl_node_get_default_options();
  if (rcl_node_init(&node, "depthnode_shim_loopback", "", &context, &node_options) != RCL_RET_OK) {
    FAIL("rcl_node_init failed: %s", rcl_get_error_string().str);
  }
  const rosidl_message_type_support_t * ts = ROSIDL_GET_MSG_TYPE_SUPPORT(sensor_msgs, msg, Image);
  const char * topic = "/depthnode_shim_loopback/image";
  // The publisher is made the way rcldotnet makes it (rcl_publisher_init on the node); the shim only sees its pointer.
  rcl_publisher_t publisher = rcl_get_zero_initialized_publisher();
  rcl_publisher_options_t publisher_options = rcl_publisher_get_default_options();
  publisher_options.qos.depth = 10;
  if (rcl_publisher_init(&publisher, &node, ts, topic, &publisher_options) != RCL_RET_OK) {
    FAIL("rcl_publisher_init failed: %s", rcl_get_error_string().str);
  }
  dn_subscription * subscription = NULL;
  if (dn_subscription_create(&node, ts, topic, 1, 10, 1, 2, &subscription) != RCL_RET_OK) {
    FAIL("dn_subscription_create failed: %s", rcl_get_error_string().str);
  }
  dn_waiter * waiter = NULL;
  if (dn_waiter_create(&node, 1, &waiter) != RCL_RET_OK) FAIL("dn_waiter_create failed");

  size_t matched = 0, publishers = 0;
  for (int i = 0; i < 500 && (matched == 0 || publishers == 0); ++i) {
    dn_publisher_subscription_count(&publisher, &matched);
    dn_subscription_publisher_count(subscription, &publishers);
    sleep_ms(10);
  }
  if (matched != 1 || publishers != 1) FAIL("discovery: %zu subscriptions, %zu publishers after 5 s", matched, publishers);

  const struct { uint32_t width, height, channels; const char * encoding; } frames[] = {
    {1242, 375, 3, "rgb8"}, {2, 2, 1, "mono8"}, {1242, 375, 3, "rgb8"}};
  size_t total = 0;
  rcutils_allocator_t allocator = rcutils_get_default_allocator();
  for (size_t f = 0; f < sizeof(frames) / sizeof(frames[0]); ++f) {
    rcl_serialized_message_t sent = rmw_get_zero_initialized_serialized_message();
    rmw_serialized_message_init(&sent, 0, &allocator);
    if (!serialize_image(frames[f].width, frames[f].height, frames[f].encoding, frames[f].channels, &sent)) {
      FAIL("rmw_serialize failed for frame %zu", f);
    }
    if (dn_publish_serialized(&publisher, sent.buffer, sent.buffer_length) != RCL_RET_OK) {
      FAIL("dn_publish_serialized failed: %s", rcl_get_error_string().str);
    }
    uint8_t ready = 0;
    for (int i = 0; i < 50 && !ready; ++i) dn_wait(waiter, &subscription, 1, 100000000LL, &ready);
    if (!ready) FAIL("frame %zu (%zu bytes) never arrived", f, sent.buffer_length);
    const uint8_t * data = NULL;
    size_t length = 0;
    int64_t received_ns = 0;
    if (dn_take(subscription, &data, &length, &received_ns) != RCL_RET_OK) FAIL("dn_take failed for frame %zu", f);
    if (length != sent.buffer_length) FAIL("frame %zu: sent %zu bytes, took %zu", f, sent.buffer_length, length);
    if (memcmp(data, sent.buffer, length) != 0) FAIL("frame %zu: bytes differ", f);
    total += length;
    rmw_serialized_message_fini(&sent);
  }

  dn_waiter_destroy(waiter);
  dn_subscription_destroy(subscription, &node);
  rcl_publisher_fini(&publisher, &node);
  rcl_node_fini(&node);
  rcl_shutdown(&context);
  rcl_context_fini(&context);
  printf("shim loopback: 3 messages, %zu bytes, published serialized and taken back byte for byte\n", total);
  return 0;
}
