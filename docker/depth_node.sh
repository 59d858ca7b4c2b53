#!/usr/bin/env sh
# Entry point installed as lib/depth_node/depth_node: runs the published rcldotnet adapter with ROS arguments.
exec dotnet "$(dirname "$0")/dotnet/DepthNode.Ros.dll" "$@"
