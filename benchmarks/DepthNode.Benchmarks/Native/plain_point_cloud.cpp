// The peer for PointCloudBenchmarks: an organized xyz cloud written the way depth_image_proc's convertDepth does it,
// as plain C++ (constants hoisted out of the loop, rows advanced by the stride, NaN for invalid depth, one 16-byte
// record per pixel: x, y, z and a padding float, as point_cloud_xyz publishes). Compiled with g++ -O2 by the
// benchmark's setup and called through a function pointer, so both sides see the same buffers.
#include <cmath>
#include <cstddef>
#include <limits>

extern "C" int plain_point_cloud_xyz(const float* depth, int width, int height, int row_stride,
                                     float fx, float fy, float cx, float cy, float* out)
{
    const float bad_point = std::numeric_limits<float>::quiet_NaN();
    const float constant_x = 1.0f / fx;
    const float constant_y = 1.0f / fy;
    int valid = 0;
    for (int v = 0; v < height; ++v, depth += row_stride)
    {
        for (int u = 0; u < width; ++u, out += 4)
        {
            const float z = depth[u];
            if (!std::isfinite(z) || z <= 0.0f)
            {
                out[0] = out[1] = out[2] = bad_point;
                out[3] = 0.0f;
                continue;
            }
            out[0] = (u - cx) * z * constant_x;
            out[1] = (v - cy) * z * constant_y;
            out[2] = z;
            out[3] = 0.0f;
            ++valid;
        }
    }
    return valid;
}
