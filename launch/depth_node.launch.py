"""Starts the depth node: `ros2 launch depth_node depth_node.launch.py camera:=/camera params:=...`."""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def generate_launch_description():
    default_params = os.path.join(get_package_share_directory("depth_node"), "config", "depth_node.yaml")
    camera = LaunchConfiguration("camera")
    return LaunchDescription([
        DeclareLaunchArgument("camera", default_value="/camera", description="camera namespace (image_raw, camera_info)"),
        DeclareLaunchArgument("params", default_value=default_params, description="ROS 2 params file"),
        Node(
            package="depth_node",
            executable="depth_node",
            name="depth_node",
            output="screen",
            parameters=[LaunchConfiguration("params")],
            remappings=[
                ("/camera/image_raw", [camera, "/image_raw"]),
                ("/camera/image_raw/compressed", [camera, "/image_raw/compressed"]),
                ("/camera/camera_info", [camera, "/camera_info"]),
            ],
        ),
    ])
