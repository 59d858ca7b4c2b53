"""Starts the depth node, and rviz when asked.

    ros2 launch depth_node depth_node.launch.py camera:=/kitti/camera_2 fixed_frame:=camera_2 use_rviz:=true

Each argument that sets a node parameter names it in its description; the parameters themselves (with defaults and
allowed values) are in config/depth_node.yaml, the default params file. Arguments given here win over that file.
"""
import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.conditions import IfCondition
from launch.substitutions import LaunchConfiguration, PythonExpression
from launch_ros.actions import Node


def generate_launch_description():
    share = get_package_share_directory("depth_node")
    camera = LaunchConfiguration("camera")
    compressed = LaunchConfiguration("compressed")
    arguments = [
        DeclareLaunchArgument("model", default_value="fastdepth_7.yaml",
                              description="parameter model: model card or .onnx, relative to the models directory"),
        DeclareLaunchArgument("camera", default_value="/camera",
                              description="camera namespace: parameters image_topic, compressed_image_topic and "
                                          "camera_info_topic become <camera>/image_raw, .../compressed, <camera>/camera_info"),
        DeclareLaunchArgument("compressed", default_value="false", choices=["true", "false"],
                              description="parameter image_transport: subscribe to <camera>/image_raw/compressed"),
        DeclareLaunchArgument("params_file", default_value=os.path.join(share, "config", "depth_node.yaml"),
                              description="ROS 2 params file with every node parameter"),
        DeclareLaunchArgument("use_rviz", default_value="false", choices=["true", "false"],
                              description="start rviz2 with config/depth_node.rviz"),
        DeclareLaunchArgument("fixed_frame", default_value="camera_optical_frame",
                              description="rviz fixed frame: the camera's optical frame (the frame_id of its images)"),
    ]
    node = Node(
        package="depth_node",
        executable="depth_node",
        name="depth_node",
        output="screen",
        emulate_tty=True,
        # The file first, then the arguments: rcl applies parameter sources in order, a later one wins.
        parameters=[
            LaunchConfiguration("params_file"),
            {
                "model": LaunchConfiguration("model"),
                "image_transport": PythonExpression(["'compressed' if '", compressed, "' == 'true' else 'raw'"]),
                "image_topic": [camera, "/image_raw"],
                "compressed_image_topic": [camera, "/image_raw/compressed"],
                "camera_info_topic": [camera, "/camera_info"],
            },
        ],
    )
    rviz = Node(
        package="rviz2",
        executable="rviz2",
        name="depth_node_rviz",
        arguments=["-d", os.path.join(share, "config", "depth_node.rviz"), "-f", LaunchConfiguration("fixed_frame")],
        # The config shows /camera/image_raw; the camera argument moves it like the node's input.
        remappings=[("/camera/image_raw", [camera, "/image_raw"])],
        condition=IfCondition(LaunchConfiguration("use_rviz")),
    )
    return LaunchDescription(arguments + [node, rviz])
