#pragma once
// The "Learn" tab: the four lessons side by side as tabs — convolution, pooling,
// upsampling and the receptive field. The app wires the receptive-field panel's
// mapRequested() signal to its engine thread and the result back to showResult().

#include <QWidget>

class ConvolutionWidget;
class PoolingWidget;
class QTabWidget;
class ReceptiveFieldPanel;
class UpsamplingWidget;

class LearnArea : public QWidget {
    Q_OBJECT
public:
    enum class Lesson { Convolution, Pooling, Upsampling, ReceptiveField };

    explicit LearnArea(QWidget *parent = nullptr);

    ConvolutionWidget *convolution() const { return m_convolution; }
    PoolingWidget *pooling() const { return m_pooling; }
    UpsamplingWidget *upsampling() const { return m_upsampling; }
    ReceptiveFieldPanel *receptiveField() const { return m_receptiveField; }
    QTabWidget *tabs() const { return m_tabs; }

    void showLesson(Lesson lesson);

private:
    QTabWidget *m_tabs = nullptr;
    ConvolutionWidget *m_convolution = nullptr;
    PoolingWidget *m_pooling = nullptr;
    UpsamplingWidget *m_upsampling = nullptr;
    ReceptiveFieldPanel *m_receptiveField = nullptr;
};
