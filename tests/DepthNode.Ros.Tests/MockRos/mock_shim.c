// MockRos: the shim's API (src/DepthNode.Ros/native/depthnode_rcl_shim.h) over an in-memory "middleware" instead of
// rcl, so the adapter's managed side (P/Invoke signatures, the take thread, handler dispatch, serialized publish) runs
// here. Compiled from the real header by the tests with gcc: a signature that drifts from it does not compile.
// A "publisher" is any pointer whose memory holds its topic name (what MockRos' CreatePublisher hands out).
#include "depthnode_rcl_shim.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_QUEUED 64
#define MAX_RECORDED 256

struct dn_subscription
{
  char topic[256];
  const void * type_support;  // MockRos: memory holding the type's name
  int32_t qos[4];
  uint8_t * queue[MAX_QUEUED];
  size_t sizes[MAX_QUEUED];
  int head, count;
  uint8_t * taken;  // the last message taken: valid until the next take, as with rcl's reused buffer
};

struct dn_waiter { int unused; };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static dn_subscription * live[64];
static int live_count;
static struct { const void * publisher; uint8_t * data; size_t size; } recorded[MAX_RECORDED];
static int recorded_count;

int32_t dn_subscription_create(
  void * rcl_node, const void * type_support, const char * topic,
  int32_t history, int32_t depth, int32_t reliability, int32_t durability, dn_subscription ** out)
{
  if (!rcl_node || !topic || !out || live_count == 64) return 11;  // RCL_RET_INVALID_ARGUMENT
  dn_subscription * s = calloc(1, sizeof(dn_subscription));
  strncpy(s->topic, topic, sizeof(s->topic) - 1);
  s->type_support = type_support;
  s->qos[0] = history; s->qos[1] = depth; s->qos[2] = reliability; s->qos[3] = durability;
  pthread_mutex_lock(&lock);
  live[live_count++] = s;
  pthread_mutex_unlock(&lock);
  *out = s;
  return 0;
}

int32_t dn_subscription_destroy(dn_subscription * s, void * rcl_node)
{
  (void)rcl_node;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < live_count; ++i) if (live[i] == s) { live[i] = live[--live_count]; break; }
  pthread_mutex_unlock(&lock);
  for (int i = 0; i < s->count; ++i) free(s->queue[(s->head + i) % MAX_QUEUED]);
  free(s->taken);
  free(s);
  return 0;
}

int32_t dn_take(dn_subscription * s, const uint8_t ** data, size_t * length, int64_t * received_ns)
{
  pthread_mutex_lock(&lock);
  if (s->count == 0) { pthread_mutex_unlock(&lock); return 401; }  // RCL_RET_SUBSCRIPTION_TAKE_FAILED
  free(s->taken);
  s->taken = s->queue[s->head];
  *data = s->taken;
  *length = s->sizes[s->head];
  *received_ns = 0;  // as a middleware without receive stamps: the adapter must fill in its own clock
  s->head = (s->head + 1) % MAX_QUEUED;
  s->count--;
  pthread_mutex_unlock(&lock);
  return 0;
}

int32_t dn_subscription_publisher_count(const dn_subscription * s, size_t * count) { (void)s; *count = 1; return 0; }
const char * dn_subscription_topic_name(const dn_subscription * s) { return s->topic; }
const char * dn_publisher_topic_name(const void * rcl_publisher) { return (const char *)rcl_publisher; }

int32_t dn_waiter_create(void * rcl_node, size_t capacity, dn_waiter ** out)
{
  (void)rcl_node; (void)capacity;
  *out = calloc(1, sizeof(dn_waiter));
  return 0;
}

int32_t dn_waiter_destroy(dn_waiter * w) { free(w); return 0; }

int32_t dn_wait(dn_waiter * w, dn_subscription * const * subs, size_t count, int64_t timeout_ns, uint8_t * ready)
{
  (void)w;
  for (int64_t waited = 0; waited <= timeout_ns; waited += 1000000) {
    int any = 0;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < count; ++i) { ready[i] = subs[i]->count > 0; any |= ready[i]; }
    pthread_mutex_unlock(&lock);
    if (any) return 0;
    struct timespec t = {0, 1000000};
    nanosleep(&t, NULL);
  }
  return 2;  // RCL_RET_TIMEOUT
}

int32_t dn_publish_serialized(const void * publisher, const uint8_t * data, size_t length)
{
  pthread_mutex_lock(&lock);
  if (recorded_count == MAX_RECORDED) { pthread_mutex_unlock(&lock); return 1; }
  recorded[recorded_count].publisher = publisher;
  recorded[recorded_count].data = malloc(length ? length : 1);
  memcpy(recorded[recorded_count].data, data, length);
  recorded[recorded_count].size = length;
  recorded_count++;
  pthread_mutex_unlock(&lock);
  return 0;
}

int32_t dn_publisher_subscription_count(const void * publisher, size_t * count) { (void)publisher; *count = 0; return 0; }

size_t dn_last_error(char * buffer, size_t capacity)
{
  const char * text = "mock rcl error";
  size_t n = strlen(text) < capacity ? strlen(text) : capacity - 1;
  memcpy(buffer, text, n);
  buffer[n] = '\0';
  return n;
}

// --- Test control -----------------------------------------------------------------------------------------------

// Queues a message for every live subscription on `topic`; returns how many received it.
int mock_deliver(const char * topic, const uint8_t * data, size_t length)
{
  int n = 0;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < live_count; ++i) {
    dn_subscription * s = live[i];
    if (strcmp(s->topic, topic) != 0 || s->count == MAX_QUEUED) continue;
    uint8_t * copy = malloc(length ? length : 1);
    memcpy(copy, data, length);
    s->queue[(s->head + s->count) % MAX_QUEUED] = copy;
    s->sizes[(s->head + s->count) % MAX_QUEUED] = length;
    s->count++;
    n++;
  }
  pthread_mutex_unlock(&lock);
  return n;
}

// The QoS a live subscription on `topic` was created with (rmw enum values); 0 when there is none.
int mock_subscription_qos(const char * topic, int32_t * qos)
{
  int found = 0;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < live_count && !found; ++i)
    if (strcmp(live[i]->topic, topic) == 0) { memcpy(qos, live[i]->qos, sizeof(live[i]->qos)); found = 1; }
  pthread_mutex_unlock(&lock);
  return found;
}

// The type support a live subscription on `topic` was created with (NULL when there is none).
const void * mock_subscription_type(const char * topic)
{
  const void * type = NULL;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < live_count && !type; ++i) if (strcmp(live[i]->topic, topic) == 0) type = live[i]->type_support;
  pthread_mutex_unlock(&lock);
  return type;
}

int mock_live_subscriptions(void) { return live_count; }

// The index-th message published (in order): its publisher and bytes; 0 when there are fewer.
int mock_published(int index, const void ** publisher, const uint8_t ** data, size_t * length)
{
  int ok = 0;
  pthread_mutex_lock(&lock);
  if (index < recorded_count) {
    *publisher = recorded[index].publisher; *data = recorded[index].data; *length = recorded[index].size; ok = 1;
  }
  pthread_mutex_unlock(&lock);
  return ok;
}

int mock_published_count(void) { return recorded_count; }

void mock_reset_published(void)
{
  pthread_mutex_lock(&lock);
  for (int i = 0; i < recorded_count; ++i) free(recorded[i].data);
  recorded_count = 0;
  pthread_mutex_unlock(&lock);
}
