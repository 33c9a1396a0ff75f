"""Packaging for viblio-pipeline: the SWF video-processing fleet."""

from setuptools import find_packages, setup

MEDIA = [
    "av>=12,<19",
    "imageio-ffmpeg>=0.5",
    "numpy>=1.26",
    "pillow>=10",
    "dlib-bin>=19.24",
    "face-recognition-models>=0.3.0",
]
MYSQL = ["PyMySQL>=1.1"]
TEST = [
    "pytest>=8",
    "pytest-timeout>=2.3",
    "ruff>=0.6",
    "mypy>=1.11",
    "types-PyYAML",
    "types-requests",
    "boto3-stubs[s3,swf]",
    "moto[server]>=5",
    "scikit-image>=0.22",
    "ansible-core>=2.16",
]

setup(
    name="viblio-pipeline",
    version="0.1.0",
    description="Durable video-processing pipeline on Amazon SWF",
    python_requires=">=3.11",
    packages=find_packages(include=["viblio_pipeline", "viblio_pipeline.*"]),
    include_package_data=True,
    package_data={"viblio_pipeline": ["py.typed", "catalog/migrations/*.ini", "catalog/migrations/**/*"]},
    install_requires=[
        "boto3>=1.34",
        "supervisor>=4.2",
        "python-daemon>=3.0",
        "loggly-python-handler>=1.0.1",
        "PyYAML>=6.0",
        "pydantic>=2.6",
        "click>=8.1",
        "rich>=13",
        "SQLAlchemy>=2.0",
        "alembic>=1.13",
        "requests>=2.31",
    ],
    extras_require={
        "media": MEDIA,
        "mysql": MYSQL,
        "test": TEST,
        "all": MEDIA + MYSQL + TEST,
    },
    entry_points={"console_scripts": ["viblio-pipeline = viblio_pipeline.cli.main:main"]},
)
