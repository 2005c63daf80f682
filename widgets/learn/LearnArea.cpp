#include "LearnArea.h"

#include <QTabBar>
#include <QTabWidget>
#include <QVBoxLayout>

#include "ConvolutionWidget.h"
#include "LearnStyle.h"
#include "PoolingWidget.h"
#include "ReceptiveFieldPanel.h"
#include "UpsamplingWidget.h"

LearnArea::LearnArea(QWidget *parent) : QWidget(parent) {
    setAccessibleName(tr("Learn area"));
    m_tabs = new QTabWidget;
    m_tabs->setAccessibleName(tr("Lessons"));
    m_tabs->setDocumentMode(true);
    learn::scaleFont(m_tabs->tabBar(), 1.2, true);
    m_convolution = new ConvolutionWidget;
    m_pooling = new PoolingWidget;
    m_upsampling = new UpsamplingWidget;
    m_receptiveField = new ReceptiveFieldPanel;
    m_tabs->addTab(m_convolution, tr("Convolution"));
    m_tabs->addTab(m_pooling, tr("Pooling"));
    m_tabs->addTab(m_upsampling, tr("Upsampling"));
    m_tabs->addTab(m_receptiveField, tr("Receptive field"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs);
}

void LearnArea::showLesson(Lesson lesson) { m_tabs->setCurrentIndex(static_cast<int>(lesson)); }
