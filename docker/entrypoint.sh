#!/bin/bash
# Every command in the image runs with the package's workspace sourced (it chains ros2_dotnet's and /opt/ros/humble):
# ros2 needs it to find the package, rcldotnet needs its LD_LIBRARY_PATH for the generated *_native.so libraries.
set -e
source /opt/depthnode_ws/install/setup.bash
exec "$@"
